import Testing
@testable import YAML

/// Plain scalars must resolve exactly as go-yaml v2 (sigs.k8s.io/yaml) resolves them.
struct ScalarResolutionTests {
    static let booleans: [(String, Bool)] = [
        ("y", true), ("Y", true), ("yes", true), ("Yes", true), ("YES", true),
        ("true", true), ("True", true), ("TRUE", true), ("on", true), ("On", true), ("ON", true),
        ("n", false), ("N", false), ("no", false), ("No", false), ("NO", false),
        ("false", false), ("False", false), ("FALSE", false), ("off", false), ("Off", false), ("OFF", false),
    ]

    @Test(arguments: booleans)
    func booleanSpellings(text: String, expected: Bool) throws {
        #expect(sameKind(try scalar(text), .bool(expected)))
    }

    @Test(arguments: ["yEs", "tRUE", "oN", "nO", "yes!", "truee", "\"yes\"", "'on'", "!!str true"])
    func notBooleans(text: String) throws {
        guard case .string = try scalar(text) else {
            Issue.record("\(text) should be a string")
            return
        }
    }

    static let integers: [(String, Int)] = [
        ("0", 0), ("42", 42), ("-42", -42), ("+7", 7), ("1_000_000", 1_000_000),
        ("0x1F", 31), ("0X1f", 31), ("-0x10", -16), ("0o17", 15), ("0777", 511), ("-0777", -511),
        ("0b1010", 10), ("-0b11", -3), ("0b1_0000", 16),
        ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
    ]

    @Test(arguments: integers)
    func integerForms(text: String, expected: Int) throws {
        #expect(sameKind(try scalar(text), .int(expected)))
    }

    static let floats: [(String, Double)] = [
        ("1.5", 1.5), ("-1.5E-3", -0.0015), ("1e3", 1000), (".5", 0.5), ("+.5", 0.5), ("1.", 1),
        ("1_000.5", 1000.5), ("08", 8), ("9223372036854775808", 9_223_372_036_854_775_808),
        ("-99999999999999999999", -1e20), ("0x1_0000_0000_0000_0000", 18_446_744_073_709_551_616),
        (".inf", .infinity), (".Inf", .infinity), ("+.INF", .infinity), ("-.inf", -.infinity), ("-.Inf", -.infinity),
    ]

    @Test(arguments: floats)
    func floatForms(text: String, expected: Double) throws {
        #expect(sameKind(try scalar(text), .float(expected)))
    }

    @Test(arguments: [".nan", ".NaN", ".NAN"])
    func notANumber(text: String) throws {
        guard case .float(let d) = try scalar(text) else {
            Issue.record("\(text) should be a float")
            return
        }
        #expect(d.isNaN)
    }

    @Test(arguments: ["~", "null", "Null", "NULL", ""])
    func nullSpellings(text: String) throws {
        #expect(sameKind(try scalar(text), .null))
    }

    static let strings: [(String, String)] = [
        ("nULL", "nULL"), ("'null'", "null"), ("\"~\"", "~"), ("'123'", "123"), ("\"0x1F\"", "0x1F"),
        ("!!str 123", "123"), ("!!str true", "true"), ("!!str", ""), ("1.2.3", "1.2.3"), ("0x", "0x"),
        ("1e", "1e"), ("12:30", "12:30"), ("2024-01-02", "2024-01-02"), ("inf", "inf"), ("nan", "nan"),
        ("-x", "-x"), ("v1", "v1"), ("!custom 12x", "12x"), ("! 12", "12"), ("!!binary aGVsbG8=", "aGVsbG8="),
        ("|\n  12\n", "12\n"), (">-\n  true\n", "true"), ("é✓", "é✓"),
        // Near the null and boolean spellings: other lengths and cases stay strings.
        ("yES", "yES"), ("tru", "tru"), ("truee", "truee"), ("falsey", "falsey"), ("oN", "oN"), ("Of", "Of"),
        ("nul", "nul"), ("~~", "~~"), ("yes yes", "yes yes"), ("nO", "nO"), ("n0", "n0"), ("Nope", "Nope"),
    ]

    @Test(arguments: strings)
    func stringsStayStrings(text: String, expected: String) throws {
        #expect(sameKind(try scalar(text), .string(expected)))
    }

    static let tagged: [(String, Node.Value)] = [
        ("!!int \"12\"", .int(12)), ("!!float 1", .float(1)), ("!!float '2.5'", .float(2.5)),
        ("!!bool 'yes'", .bool(true)), ("!!null ''", .null), ("!!null ~", .null),
        ("!unknown 12", .int(12)), ("!unknown '12'", .string("12")),
    ]

    @Test(arguments: tagged)
    func explicitTags(text: String, expected: Node.Value) throws {
        #expect(sameKind(try scalar(text), expected))
    }

    @Test func tagThatDoesNotFitIsAnError() throws {
        let diagnostic = try #require(parseError("a: 1\nb: !!int abc\n"))
        #expect(diagnostic.message == "cannot read \"abc\" as !!int")
        #expect(diagnostic.mark == Mark(line: 2, column: 4))
    }

    @Test func keysBecomeTheirJSONText() throws {
        let root = try parseOne("1: a\nyes: b\n0x10: c\n~: d\n1.50: e\n'x': f\n1e3: g\n")
        #expect(root.entries?.map(\.key) == ["1", "true", "16", "null", "1.5", "x", "1000"])
        #expect(root["true"] == "b")
    }

    @Test func keysThatResolveToTheSameTextAreDuplicates() throws {
        let diagnostic = try #require(parseError("true: a\nyes: b\n"))
        #expect(diagnostic.message == "duplicate key \"true\" (first defined at line 1)")
        #expect(diagnostic.mark == Mark(line: 2, column: 1))
    }
}
