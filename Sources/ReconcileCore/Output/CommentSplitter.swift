import Foundation

/// Splits a rendered markdown plan (see `MarkdownPlanRenderer`) into pull-request comment bodies
/// that each fit under GitHub's 65,536-character limit, without breaking the markdown.
///
/// The body is cut only between top-level blocks: never inside a `<details>` block or a code
/// fence. Every part starts with the hidden marker carrying `part=i/n`
/// (`<!-- reconcile-plan instance=NAME part=2/3 -->`) and a title; parts after the first say
/// "(continued, part 2 of 3)". A single block larger than a comment is cut down inside itself: a
/// diff keeps its first lines and its closing fence and `</details>`, with a note; a table is split
/// between rows with its header repeated. Sizes are counted in UTF-8 bytes, which is never less
/// than GitHub's character count.
public struct CommentSplitter: Sendable {
    /// GitHub's limit on an issue or pull-request comment body.
    public static let githubLimit = 65_536

    /// The size each part is kept under (a margin below `githubLimit`).
    public var limit: Int

    public init(limit: Int = 60_000) {
        precondition(limit >= 2_000, "a comment part needs room for its header")
        self.limit = limit
    }

    // MARK: - Markers

    /// A parsed `<!-- reconcile-plan instance=NAME [part=i/n] -->` marker line.
    public struct Marker: Equatable, Sendable {
        public var instance: String
        /// 1-based part and part count, nil for a single-comment plan.
        public var part: Int?
        public var count: Int?

        public init(instance: String, part: Int? = nil, count: Int? = nil) {
            self.instance = instance
            self.part = part
            self.count = count
        }

        public var text: String {
            guard let part, let count else { return MarkdownPlanRenderer.marker(instance: instance) }
            return "<!-- reconcile-plan instance=\(instance) part=\(part)/\(count) -->"
        }

        /// The marker on the first line of `body`, if the body starts with one.
        public static func parse(body: String) -> Marker? {
            let firstLine = body.prefix { $0 != "\n" && $0 != "\r" }
            let prefix = "<!-- reconcile-plan instance="
            let suffix = " -->"
            guard firstLine.hasPrefix(prefix), firstLine.hasSuffix(suffix),
                  firstLine.count >= prefix.count + suffix.count else { return nil }
            let inner = firstLine.dropFirst(prefix.count).dropLast(suffix.count)
            let fields = inner.split(separator: " ", omittingEmptySubsequences: false)
            guard let name = fields.first, !name.isEmpty, fields.count <= 2 else { return nil }
            guard fields.count == 2 else { return Marker(instance: String(name)) }
            let partField = fields[1]
            guard partField.hasPrefix("part=") else { return nil }
            let numbers = partField.dropFirst("part=".count).split(separator: "/", omittingEmptySubsequences: false)
            guard numbers.count == 2, let part = Int(numbers[0]), let count = Int(numbers[1]),
                  part >= 1, count >= part else { return nil }
            return Marker(instance: String(name), part: part, count: count)
        }
    }

    // MARK: - Splitting

    /// The comment bodies for `markdown`, in order. The marker on the body's first line names the
    /// instance unless `instance` is given (then a missing or different marker is replaced).
    /// Returns one part, the body itself (with the marker), when it fits.
    public func split(_ markdown: String, instance: String? = nil) -> [String] {
        var body = markdown
        let existing = Marker.parse(body: body)
        let name = instance ?? existing?.instance ?? "default"
        if existing != nil {
            body = String(body.drop { $0 != "\n" }.dropFirst())
        }
        body = MarkdownPlanRenderer.marker(instance: name) + "\n" + body
        if !body.hasSuffix("\n") { body += "\n" }
        if body.utf8.count <= limit { return [body] }

        let blocks = CommentSplitter.blocks(of: String(body.drop { $0 != "\n" }.dropFirst()))
        // The renderer's title is the first line after the marker.
        let title = blocks.first?.lines.first { $0.hasPrefix("#") } ?? "### reconcile plan: `\(name)`"
        // Room for the marker and title of any part (numbers up to 9999 parts).
        let reserve = Marker(instance: name, part: 9999, count: 9999).text.utf8.count + title.utf8.count
            + " (continued, part 9999 of 9999)".utf8.count + 8
        let budget = limit - reserve
        var groups: [[Block]] = [[]]
        var size = 0
        for original in blocks {
            // An oversize block is cut to fit; a long table's first piece fills this part.
            let pieces = original.size <= budget ? [original] : CommentSplitter.shrink(original, to: budget, firstRoom: budget - size)
            for block in pieces {
                if size + block.size > budget, !groups[groups.count - 1].isEmpty {
                    groups.append([])
                    size = 0
                }
                groups[groups.count - 1].append(block)
                size += block.size
            }
        }
        let count = groups.count
        var parts: [String] = []
        for (index, group) in groups.enumerated() {
            let number = index + 1
            var text = Marker(instance: name, part: number, count: count).text + "\n"
            var lines = group.flatMap { $0.lines }
            if number == 1, let titleIndex = lines.firstIndex(of: title) {
                lines[titleIndex] = title + " (part 1 of \(count))"
            } else if number > 1 {
                text += title + " (continued, part \(number) of \(count))\n\n"
            }
            // Blank lines between blocks are kept; trailing ones are dropped.
            while lines.last?.trimmingSpaces().isEmpty == true { lines.removeLast() }
            text += lines.joined(separator: "\n") + "\n"
            parts.append(text)
        }
        return parts
    }

    // MARK: - Blocks

    /// A run of lines that must stay in one comment: a paragraph, a table, a whole `<details>`
    /// block, a whole code fence, with the blank lines after it.
    struct Block: Equatable {
        var lines: [String]
        /// UTF-8 size as joined with newlines (each line plus its newline).
        var size: Int { lines.reduce(0) { $0 + $1.utf8.count + 1 } }
    }

    /// Cuts `markdown` into blocks at blank lines that are outside every code fence and every
    /// `<details>` element.
    static func blocks(of markdown: String) -> [Block] {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var blocks: [Block] = []
        var current: [String] = []
        var scanner = Scanner()
        for line in lines {
            scanner.consume(line)
            current.append(line)
            if line.trimmingSpaces().isEmpty && scanner.isTopLevel {
                blocks.append(Block(lines: current))
                current = []
            }
        }
        if !current.isEmpty { blocks.append(Block(lines: current)) }
        return blocks
    }

    /// Tracks whether a line is inside a code fence or a `<details>` element.
    struct Scanner {
        /// The open fence's character and length.
        var fence: (character: Character, length: Int)?
        var detailsDepth = 0

        var isTopLevel: Bool { fence == nil && detailsDepth <= 0 }

        mutating func consume(_ line: String) {
            if let open = fence {
                if let run = Scanner.fenceRun(line), run.character == open.character, run.length >= open.length, run.rest.trimmingSpaces().isEmpty {
                    fence = nil
                }
                return
            }
            if let run = Scanner.fenceRun(line) {
                fence = (run.character, run.length)
                return
            }
            let lower = line.lowercased()
            detailsDepth += lower.occurrences(of: "<details") - lower.occurrences(of: "</details>")
        }

        /// A fence delimiter (three or more backticks or tildes after at most three spaces).
        static func fenceRun(_ line: String) -> (character: Character, length: Int, rest: Substring)? {
            let indent = line.prefix { $0 == " " }
            guard indent.count <= 3 else { return nil }
            let trimmed = line.dropFirst(indent.count)
            guard let first = trimmed.first, first == "`" || first == "~" else { return nil }
            let run = trimmed.prefix { $0 == first }
            guard run.count >= 3 else { return nil }
            return (first, run.count, trimmed.dropFirst(run.count))
        }
    }

    /// Makes an oversize block fit: a fenced diff keeps its first lines (fence and `<details>`
    /// closed, with a note of how many lines were cut); a table is split between rows with its
    /// header repeated; anything else keeps its first lines.
    /// `firstRoom` is the room left in the current part, which the first piece of a table fills.
    static func shrink(_ block: Block, to budget: Int, firstRoom: Int? = nil) -> [Block] {
        let lines = block.lines
        // A fenced code block: cut inside the fence.
        if let open = lines.firstIndex(where: { Scanner.fenceRun($0) != nil }) {
            let run = Scanner.fenceRun(lines[open])!
            let close = lines[(open + 1)...].firstIndex { line in
                guard let other = Scanner.fenceRun(line) else { return false }
                return other.character == run.character && other.length >= run.length && other.rest.trimmingSpaces().isEmpty
            } ?? lines.count
            let before = Array(lines[...open])
            let content = Array(lines[(open + 1)..<close])
            var after = close < lines.count ? Array(lines[close...]) : [String(repeating: run.character, count: run.length)]
            func note(_ cut: Int) -> [String] {
                ["", "_… \(cut) more lines not shown: this object's diff is too large for a GitHub comment; run `reconcile plan` locally for the full diff._"]
            }
            // The note goes right after the closing fence, before any `</details>`.
            let fixed = Block(lines: before + note(content.count) + after).size
            var kept: [String] = []
            var size = fixed
            for line in content {
                let lineSize = line.utf8.count + 1
                if size + lineSize > budget { break }
                kept.append(line)
                size += lineSize
            }
            let cut = content.count - kept.count
            after.insert(contentsOf: note(cut), at: 1)
            let shrunk = Block(lines: before + kept + after)
            if shrunk.size <= budget { return [shrunk] }
            // The part outside the fence is itself too large: fall through to a line cut.
            return [cutLines(shrunk.lines, to: budget)]
        }
        // A table: rows split into several tables with the header repeated.
        let tableStart = lines.firstIndex { $0.hasPrefix("|") }
        if let start = tableStart, start + 1 < lines.count, lines[start + 1].hasPrefix("|") {
            let heading = Array(lines[...(start + 1)])
            let rows = lines[(start + 2)...].filter { $0.hasPrefix("|") }
            let trailing = Array(lines[(start + 2)...].drop { $0.hasPrefix("|") })
            let headingSize = Block(lines: heading + [""]).size
            guard headingSize < budget / 2 else { return [cutLines(lines, to: budget)] }
            var tables: [Block] = []
            var current: [String] = []
            var size = headingSize
            var room = min(firstRoom ?? budget, budget)
            for row in rows {
                let rowSize = row.utf8.count + 1
                if size + rowSize > room, !current.isEmpty || tables.isEmpty && room < budget {
                    if !current.isEmpty { tables.append(Block(lines: heading + current + [""])) }
                    room = budget
                    current = []
                    size = headingSize
                }
                if headingSize + rowSize > budget {
                    current.append(String(decoding: Array(row.utf8.prefix(budget - headingSize - 8)), as: UTF8.self) + " … |")
                } else {
                    current.append(row)
                }
                size += rowSize
            }
            tables.append(Block(lines: heading + current + (trailing.isEmpty ? [""] : trailing)))
            return tables.map { $0.size <= budget ? $0 : cutLines($0.lines, to: budget) }
        }
        return [cutLines(lines, to: budget)]
    }

    /// The first lines of `lines` that fit, with a note; balances a `<details>` left open.
    static func cutLines(_ lines: [String], to budget: Int) -> Block {
        let note = "_… the rest of this section is too large for a GitHub comment; run `reconcile plan` locally to see it._"
        var kept: [String] = []
        var size = note.utf8.count + 40
        var scanner = Scanner()
        for line in lines {
            let lineSize = line.utf8.count + 1
            if size + lineSize > budget { break }
            // Never stop inside a fence: lines are only kept up to the last top-level point.
            kept.append(line)
            scanner.consume(line)
            size += lineSize
        }
        if let open = scanner.fence { kept.append(String(repeating: open.character, count: open.length)) }
        kept += ["", note, ""]
        kept += Array(repeating: "</details>", count: max(0, scanner.detailsDepth))
        kept.append("")
        return Block(lines: kept)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return text
    }

    fileprivate func occurrences(of needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let range = rest.range(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring { String(self).trimmingSpaces() }
}
