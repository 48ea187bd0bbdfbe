//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The stable error codes of the control protocol (`{"ok":false,"error":{"code":…}}`).
public enum ErrorCode: OpenEnum {
    case emptyRequest
    case unknownVerb
    case invalidArgument
    case invalidUTF8
    case lineTooLong
    case tooManyConnections
    case permissionDenied
    case noSuchPool
    case stopping
    case rolloutFailed
    case configInvalid
    case workerFailed
    /// Another scale changed the pool's size first.
    case superseded
    /// A code this version does not know.
    case unknown(String)

    public static let known: [ErrorCode] = [
        .emptyRequest, .unknownVerb, .invalidArgument, .invalidUTF8, .lineTooLong, .tooManyConnections,
        .permissionDenied, .noSuchPool, .stopping, .rolloutFailed, .configInvalid, .workerFailed, .superseded,
    ]

    public var rawValue: String {
        switch self {
        case .emptyRequest: "empty_request"
        case .unknownVerb: "unknown_verb"
        case .invalidArgument: "invalid_argument"
        case .invalidUTF8: "invalid_utf8"
        case .lineTooLong: "line_too_long"
        case .tooManyConnections: "too_many_connections"
        case .permissionDenied: "permission_denied"
        case .noSuchPool: "no_such_pool"
        case .stopping: "stopping"
        case .rolloutFailed: "rollout_failed"
        case .configInvalid: "config_invalid"
        case .workerFailed: "worker_failed"
        case .superseded: "superseded"
        case .unknown(let code): code
        }
    }
}
