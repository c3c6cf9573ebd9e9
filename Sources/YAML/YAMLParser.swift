/// Entry point for reading YAML the way Kubernetes does (YAML 1.1 scalars, merge keys, string
/// keys), built on libyaml. Every failure is a `Diagnostic` pointing into the input.
public enum YAMLParser {
    /// Parses a multi-document stream. `file` is used only for error messages. Throws `Diagnostic`.
    /// Documents that are empty (only `---` or comments) are omitted; a document whose root is a
    /// bare scalar is returned as is (callers decide whether that is acceptable).
    /// `limits` bounds alias expansion and nesting (see `InputLimits`).
    public static func parse(_ bytes: [UInt8], file: String, limits: InputLimits = .default) throws -> [YAMLDocument] {
        let source = SourceText(file: file, bytes: bytes)
        try source.validateUTF8()
        var composer = try Composer(source: source, limits: limits)
        return try composer.composeStream()
    }

    /// Parses a multi-document stream from text. Throws `Diagnostic`.
    public static func parse(_ text: String, file: String, limits: InputLimits = .default) throws -> [YAMLDocument] {
        try parse(Array(text.utf8), file: file, limits: limits)
    }
}
