//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One protocol line being written straight from a type by ``LineEncoder``: the text so far and
/// the values still open, outermost first. A value's members are written as it encodes them, so
/// keys keep the order the type gives. A type that goes back to a container it left (or encodes a
/// key twice, or asks for a super encoder) sets ``failed``, and ``JSONValueEncoder`` writes that
/// value through a ``JSONValue`` tree instead.
final class LineWriter {
    /// One value still open: a place waiting for a value, a written scalar, an object or an array.
    struct Frame {
        enum Kind { case pending, filled, object, array }
        let id: Int
        var kind: Kind
        /// Members or elements written so far.
        var count = 0
        /// Where this object's keys start in ``keys``.
        let firstKey: Int
        /// The key this value is written under (nil for an element or the line itself).
        let key: (any CodingKey)?
    }

    @exclusivity(unchecked) var json: JSONWriter
    @exclusivity(unchecked) private(set) var frames: [Frame] = []
    /// The keys of the open objects, for refusing a key written twice.
    @exclusivity(unchecked) private var keys: [String] = []
    private var lastID = 0
    private(set) var failed = false

    init(capacity: Int) {
        json = JSONWriter(capacity: capacity)
    }

    /// Writes `value` where the text stands: a scalar at once, anything else in a new frame.
    func value<T: Encodable>(_ value: T, key: (any CodingKey)?) throws {
        if try scalar(value, path: key) { return }
        let slot = frames.count
        lastID += 1
        frames.append(Frame(id: lastID, kind: .pending, firstKey: keys.count, key: key))
        try value.encode(to: LineEncoder(writer: self, frame: slot, id: lastID))
        finish(from: slot)
    }

    /// Writes `value` into the pending frame `slot` (a single-value container).
    func fill<T: Encodable>(_ value: T, slot: Int, id: Int) throws {
        guard enter(slot, id: id), frames[slot].kind == .pending else { return fail() }
        if try scalar(value, path: frames[slot].key) {
            frames[slot].kind = .filled
        } else {
            try value.encode(to: LineEncoder(writer: self, frame: slot, id: id))
        }
    }

    func fillNil(slot: Int, id: Int) {
        guard enter(slot, id: id), frames[slot].kind == .pending else { return fail() }
        json.null()
        frames[slot].kind = .filled
    }

    /// Makes the pending frame `slot` an object or array (or keeps it one); false if it cannot be.
    func open(_ kind: Frame.Kind, slot: Int, id: Int) -> Bool {
        guard enter(slot, id: id) else { return false }
        if frames[slot].kind == kind { return true }
        guard frames[slot].kind == .pending else {
            fail()
            return false
        }
        json.byte(kind == .object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        frames[slot].kind = kind
        return true
    }

    /// Starts the member `key` of the object at `frame`: its comma, key and colon.
    func member(_ key: String, frame: Int, id: Int) -> Bool {
        guard enter(frame, id: id), frames[frame].kind == .object, !keys[frames[frame].firstKey...].contains(key)
        else {
            fail()
            return false
        }
        keys.append(key)
        if frames[frame].count > 0 { json.comma() }
        frames[frame].count += 1
        json.string(key)
        json.colon()
        return true
    }

    /// Starts the next element of the array at `frame`: its comma.
    func element(frame: Int, id: Int) -> Bool {
        guard enter(frame, id: id), frames[frame].kind == .array else {
            fail()
            return false
        }
        if frames[frame].count > 0 { json.comma() }
        frames[frame].count += 1
        return true
    }

    /// Opens a nested object or array right after a member's key or an element's comma.
    func nested(_ kind: Frame.Kind, key: (any CodingKey)?) -> (frame: Int, id: Int) {
        lastID += 1
        frames.append(Frame(id: lastID, kind: .pending, firstKey: keys.count, key: key))
        _ = open(kind, slot: frames.count - 1, id: lastID)
        return (frames.count - 1, lastID)
    }

    /// The keys leading to `frame`, for errors.
    func codingPath(_ frame: Int) -> [any CodingKey] {
        frames.prefix(frame + 1).compactMap(\.key)
    }

    func fail() {
        failed = true
    }

    /// Whether `frame` is still open as the container `id`; closes the containers nested in it.
    private func enter(_ frame: Int, id: Int) -> Bool {
        guard !failed, frame >= 0, frame < frames.count, frames[frame].id == id else {
            fail()
            return false
        }
        if frames.count > frame + 1 { finish(from: frame + 1) }
        return true
    }

    /// Closes `slot` and every frame after it; a value that wrote nothing is `{}`.
    private func finish(from slot: Int) {
        while frames.count > slot {
            let frame = frames.removeLast()
            switch frame.kind {
            case .pending: json.ascii("{}")
            case .filled: break
            case .object: json.byte(UInt8(ascii: "}"))
            case .array: json.byte(UInt8(ascii: "]"))
            }
            keys.removeSubrange(frame.firstKey...)
        }
    }
}
