internal import CYAML

/// Writes nodes back as YAML for diffs and `--output yaml`: deterministic, block style, the shape
/// `kubectl get -o yaml` prints, so a user comparing our output with kubectl's sees only real
/// differences. libyaml does the layout; this type decides which scalars need quoting so that
/// what it writes reads back (with go-yaml v2 rules) as the same value.
public enum YAMLEmitter {
    /// Deterministic block-style YAML for diffs (the shape `kubectl get -o yaml` prints): keys sorted
    /// when sortKeys, 2-space indent, sequences under a key not indented ("key:\n- a"), strings quoted
    /// only when they would otherwise read back as another type or are not plain-safe, multi-line
    /// strings as literal blocks `|`, no line folding (unlimited width), unicode kept, ends with "\n".
    /// Emitting then parsing gives back an equal Node. Uses libyaml's emitter (yaml_emitter_*).
    public static func emit(_ node: Node, sortKeys: Bool = true) -> String {
        let emitter = LibYAMLEmitter()
        emitter.emitDocument(node, sortKeys: sortKeys)
        let text = emitter.text
        // libyaml closes a document that ends in a `|+` block with "...": valid, but kubectl never
        // prints it, and the stream end already terminates the block.
        if text.hasSuffix("\n...\n") { return String(text.dropLast(4)) }
        return text
    }

    /// Requested libyaml style for a string value or key. libyaml itself falls back to a quoted
    /// style when the requested one cannot represent the text (e.g. `- x`, `a: b`, leading spaces).
    enum StringStyle: Equatable { case plain, singleQuoted, doubleQuoted, literal }

    static func style(for text: String) -> StringStyle {
        // Would read back as null, bool or a number, or as a merge key.
        if text == "<<" { return .singleQuoted }
        if case .string = ScalarResolver.resolvePlain(text) {} else { return .singleQuoted }
        var hasNewline = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": hasNewline = true
            // Block scalars normalise these breaks to "\n"; only escapes preserve them.
            case "\r", "\u{85}", "\u{2028}", "\u{2029}": return .doubleQuoted
            default: break
            }
        }
        return hasNewline ? .literal : .plain
    }

    /// Text for a non-string scalar, written so it resolves back to the same value.
    static func scalarText(_ value: Node.Value) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d):
            // Integral floats print as integers; that reads back as an equal number.
            return Node.formatFloat(d)
        default: return ""
        }
    }
}

/// The one owner of a libyaml emitter handle and of the buffer it writes into.
final class LibYAMLEmitter {
    /// Collects libyaml's output; passed to the C write callback as an opaque pointer.
    private final class Output {
        var bytes: [UInt8] = []
    }

    private let emitter: UnsafeMutablePointer<yaml_emitter_t>
    private let output = Output()

    init() {
        emitter = .allocate(capacity: 1)
        guard yaml_emitter_initialize(emitter) != 0 else {
            fatalError("libyaml could not allocate an emitter (out of memory)")
        }
        yaml_emitter_set_unicode(emitter, 1)
        yaml_emitter_set_indent(emitter, 2)
        yaml_emitter_set_width(emitter, -1)
        yaml_emitter_set_break(emitter, YAML_LN_BREAK)
        yaml_emitter_set_output(
            emitter,
            { data, buffer, size in
                guard let data, let buffer else { return 0 }
                let output = Unmanaged<Output>.fromOpaque(data).takeUnretainedValue()
                output.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
                return 1
            },
            Unmanaged.passUnretained(output).toOpaque())
    }

    deinit {
        yaml_emitter_delete(emitter)
        emitter.deallocate()
    }

    var text: String { String(decoding: output.bytes, as: UTF8.self) }

    func emitDocument(_ node: Node, sortKeys: Bool) {
        var event = yaml_event_t()
        yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
        send(&event)
        yaml_document_start_event_initialize(&event, nil, nil, nil, 1)
        send(&event)
        emit(node, sortKeys: sortKeys)
        yaml_document_end_event_initialize(&event, 1)
        send(&event)
        yaml_stream_end_event_initialize(&event)
        send(&event)
        guard yaml_emitter_flush(emitter) != 0 else { fail() }
    }

    private func emit(_ node: Node, sortKeys: Bool) {
        var event = yaml_event_t()
        switch node.value {
        case .sequence(let items):
            yaml_sequence_start_event_initialize(&event, nil, nil, 1, YAML_BLOCK_SEQUENCE_STYLE)
            send(&event)
            for item in items { emit(item, sortKeys: sortKeys) }
            yaml_sequence_end_event_initialize(&event)
            send(&event)
        case .mapping(let entries):
            yaml_mapping_start_event_initialize(&event, nil, nil, 1, YAML_BLOCK_MAPPING_STYLE)
            send(&event)
            let ordered = sortKeys ? entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : entries
            for entry in ordered {
                emitString(entry.key)
                emit(entry.value, sortKeys: sortKeys)
            }
            yaml_mapping_end_event_initialize(&event)
            send(&event)
        case .string(let text):
            emitString(text)
        default:
            emitScalar(YAMLEmitter.scalarText(node.value), style: YAML_PLAIN_SCALAR_STYLE)
        }
    }

    private func emitString(_ text: String) {
        let style: yaml_scalar_style_t
        switch YAMLEmitter.style(for: text) {
        case .plain: style = YAML_PLAIN_SCALAR_STYLE
        case .singleQuoted: style = YAML_SINGLE_QUOTED_SCALAR_STYLE
        case .doubleQuoted: style = YAML_DOUBLE_QUOTED_SCALAR_STYLE
        case .literal: style = YAML_LITERAL_SCALAR_STYLE
        }
        emitScalar(text, style: style)
    }

    private func emitScalar(_ text: String, style: yaml_scalar_style_t) {
        var event = yaml_event_t()
        var bytes = Array(text.utf8)
        let length = Int32(bytes.count)
        bytes.append(0)  // libyaml requires a non-null pointer even for an empty value
        let ok = bytes.withUnsafeBufferPointer { buffer in
            yaml_scalar_event_initialize(&event, nil, nil, buffer.baseAddress, length, 1, 1, style)
        }
        guard ok != 0 else { fail() }
        send(&event)
    }

    /// Hands an event to libyaml, which takes ownership and frees it even on failure.
    private func send(_ event: inout yaml_event_t) {
        guard yaml_emitter_emit(emitter, &event) != 0 else { fail() }
    }

    /// libyaml only fails on out-of-memory or on an event sequence this type never produces, so
    /// a failure is a programming error, not an input error.
    private func fail() -> Never {
        let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown error"
        fatalError("libyaml emitter failed: \(problem)")
    }
}
