//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ControlEvent {
    /// The fields that say what an event is about, for one-line summaries (`web[2] pid 5698 gen 1`).
    public static let subjectFields: [Field] = [.event, .pool, .slot, .pid, .generation, .time]

    /// What the event is about: its pool, slot, pid and generation, those it has.
    public var subject: (pool: String?, slot: Int?, pid: Int32?, generation: Int?) {
        let fields = encodedFields
        func value(_ field: Field) -> JSONValue? { fields.first { $0.key == field.stringValue }?.value }
        return (
            value(.pool)?.stringValue, value(.slot)?.intValue, value(.pid)?.intValue.flatMap { Int32(exactly: $0) },
            value(.generation)?.intValue
        )
    }

    /// The event's other fields as written, in order (`boot_s`, `reason`, … or an unknown event's).
    public var details: [(key: String, value: JSONValue)] {
        let skipped = Set(Self.subjectFields.map(\.stringValue))
        return encodedFields.filter { !skipped.contains($0.key) }
    }

    private var encodedFields: [(key: String, value: JSONValue)] {
        // Written as its line and read back: quicker than a tree of encoding nodes.
        let line = JSONValueEncoder().lineBytes(self)
        return ((try? JSONTape(line).value(0))?.objectValue ?? []).map { (key: $0.0, value: $0.1) }
    }
}
