//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A Gunicorn setting Drover has no setting for: accepted and ignored (Drover makes it
/// unnecessary, or it concerns what Uvicorn workers do not do, as under Gunicorn's
/// UvicornWorker), or refused where honouring it would be wrong. Either way droverd says so in
/// one line naming it; no Gunicorn setting is "unknown".
struct GunicornOnlySetting: Sendable {
    enum Status: Sendable {
        /// Accepted, with an info line saying why it changes nothing.
        case ignored(String)
        /// An error at start: why, and what to use instead.
        case refused(String)
        /// A hook: a function in a Python configuration file (see ``SettingRegistry/masterHooks``).
        case hook(String)
    }

    /// What a flag takes.
    enum Arity: Sendable {
        case value
        case none
        /// An optional word (`--proxy-protocol [MODE]`).
        case optional([String])
    }

    let name: String
    let flags: [String]
    let arity: Arity
    let status: Status

    init(_ name: String, _ flags: [String] = [], _ arity: Arity = .value, _ status: Status) {
        self.name = name
        self.flags = flags
        self.arity = arity
        self.status = status
    }

    /// The one-line notice or error for it, naming where it was set.
    func message(culprit: String) -> String {
        switch status {
        case .ignored(let why): "\(culprit) is ignored: \(why)"
        case .refused(let why): "\(culprit): \(why)"
        case .hook(let when): "\(culprit): a hook (\(when)) belongs in a Python configuration file"
        }
    }
}
