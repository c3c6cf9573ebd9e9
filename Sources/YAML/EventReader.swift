internal import CYAML

/// The one owner of a libyaml parser. It copies the input into memory it controls (libyaml keeps
/// a pointer to it for the parser's whole life), hands out events as plain Swift values so no
/// libyaml pointer escapes, and frees the parser, the input and every event it produced.
final class EventReader {
    /// How a scalar was written: plain scalars are resolved (YAML 1.1), the others are strings.
    enum ScalarStyle { case plain, quoted, block }

    struct Scalar {
        var value: String
        var tag: String?
        var anchor: String?
        var style: ScalarStyle
    }

    enum Event {
        case streamStart
        case streamEnd
        case documentStart
        case documentEnd
        case alias(anchor: String)
        case scalar(Scalar)
        case sequenceStart(anchor: String?)
        case sequenceEnd
        case mappingStart(anchor: String?)
        case mappingEnd
    }

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let source: SourceText

    init(source: SourceText) throws {
        self.source = source
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(source.bytes.count, 1))
        _ = input.initialize(from: source.bytes)
        guard yaml_parser_initialize(parser) != 0 else {
            parser.deallocate()
            input.deallocate()
            throw source.diagnostic("libyaml could not allocate a parser", at: nil)
        }
        yaml_parser_set_input_string(parser, input.baseAddress, source.bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event and where it starts (1-based). Throws the parser's error as a `Diagnostic`.
    func next() throws -> (Event, Mark) {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) != 0 else { throw currentError() }
        defer { yaml_event_delete(&event) }
        let mark = Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return (.streamStart, mark)
        case YAML_STREAM_END_EVENT:
            return (.streamEnd, mark)
        case YAML_DOCUMENT_START_EVENT:
            return (.documentStart, mark)
        case YAML_DOCUMENT_END_EVENT:
            return (.documentEnd, mark)
        case YAML_ALIAS_EVENT:
            return (.alias(anchor: Self.string(event.data.alias.anchor) ?? ""), mark)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value = data.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: Int(data.length)), as: UTF8.self)
            } ?? ""
            let style: ScalarStyle
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .plain
            }
            let scalar = Scalar(
                value: value, tag: Self.string(data.tag), anchor: Self.string(data.anchor), style: style)
            return (.scalar(scalar), mark)
        case YAML_SEQUENCE_START_EVENT:
            return (.sequenceStart(anchor: Self.string(event.data.sequence_start.anchor)), mark)
        case YAML_SEQUENCE_END_EVENT:
            return (.sequenceEnd, mark)
        case YAML_MAPPING_START_EVENT:
            return (.mappingStart(anchor: Self.string(event.data.mapping_start.anchor)), mark)
        case YAML_MAPPING_END_EVENT:
            return (.mappingEnd, mark)
        default:
            throw source.diagnostic("libyaml produced an unexpected event (\(event.type.rawValue))", at: mark)
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// The parser's error state as a diagnostic: libyaml's problem, where it was found and what
    /// was being parsed, plus a hint for the most common cause (tabs used as indentation).
    private func currentError() -> Diagnostic {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown problem"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return source.diagnostic("libyaml ran out of memory", at: nil)
        case YAML_READER_ERROR:
            // Reader errors carry a byte offset instead of a mark.
            return source.diagnostic(problem, at: source.mark(ofByteOffset: Int(state.problem_offset)))
        default:
            break
        }
        let problemMark = Self.mark(state.problem_mark)
        var message = problem
        var mark = problemMark
        if let context = state.context.map({ String(cString: $0) }) {
            let contextMark = Self.mark(state.context_mark)
            message += " " + context
            // An error found at the very end of the input points past the last line; the
            // construct that is left open is the useful place to show.
            if source.line(problemMark.line).map({ $0.isEmpty }) ?? true {
                mark = contextMark
            } else if contextMark.line != problemMark.line {
                message += " that started at line \(contextMark.line)"
            }
        }
        if source.scalar(at: mark) == "\t" {
            let line = source.line(mark.line) ?? ""
            let before = line.unicodeScalars.prefix(mark.column - 1)
            if before.allSatisfy({ $0 == " " || $0 == "\t" }) {
                message += " (tabs are not allowed for indentation in YAML)"
            } else {
                message += " (a tab cannot be used here; use spaces)"
            }
        }
        return source.diagnostic(message, at: mark)
    }

    private static func mark(_ mark: yaml_mark_t) -> Mark {
        Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
