/// Escaping for text that the markdown plan embeds but did not write: file paths, object and
/// bundle names, reasons, finding messages. A repository file named
/// ``a`</details><img src=x>.yaml`` must show as that name, not close a code span or a
/// `<details>` block, start an HTML element, or turn into emphasis, a link or a heading.
///
/// Three contexts, one helper:
/// - `text`: markdown inline text (paragraphs, table cells). HTML's `& < >` become entities,
///   markdown punctuation that could render (`` ` * _ [ ] # | \ ~ ``) is backslash-escaped,
///   newlines become `<br>`.
/// - `code`: a code span. Plain names stay `` `name` ``; a name with a backtick, `|`, `<`, `>`,
///   `&` or a line break (which a code span cannot hold safely, in a table or for the comment
///   splitter) becomes `<code>` with the `text` escaping inside.
/// - `html`: inside an HTML block such as `<summary>`, where markdown is not parsed: only
///   `& < > "` become entities.
public enum MarkdownEscaping {
    /// Markdown inline text.
    public static func text(_ raw: String) -> String {
        var out = ""
        out.reserveCapacity(raw.utf8.count)
        for character in raw {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r\n", "\n", "\r": out += "<br>"
            case "`", "*", "_", "[", "]", "#", "|", "\\", "~": out += "\\" + String(character)
            default: out.append(character)
            }
        }
        return out
    }

    /// A code span for `raw`.
    public static func code(_ raw: String) -> String {
        let unsafe = raw.contains { "`|<>&\n\r".contains($0) }
        if !unsafe && !raw.isEmpty && !raw.hasPrefix(" ") && !raw.hasSuffix(" ") { return "`\(raw)`" }
        return "<code>\(text(raw))</code>"
    }

    /// Text inside an HTML block (`<summary>`), where markdown is not parsed.
    public static func html(_ raw: String) -> String {
        var out = ""
        out.reserveCapacity(raw.utf8.count)
        for character in raw {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\r\n", "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    /// A code fence for `lines`: backticks one longer than the longest run in them (at least
    /// three), so no line can close it early.
    public static func fence(for lines: [String]) -> String {
        var longest = 0
        for line in lines {
            var run = 0
            for character in line {
                run = character == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }
}
