extension JSONView {
    /// This value on a tape of its own, holding only its tokens and the text of its strings and
    /// numbers, so that the document it came from (a LIST page of hundreds of objects) can be
    /// freed while this one value is kept. Reads exactly as this view does: the tokens are the
    /// same, with their offsets moved to the new memory.
    public var detached: JSONView {
        let source = storage
        let tokens = source.tokens, bytes = source.bytes
        let kind = Token.kind(tokens[index])
        let end = kind == Token.object || kind == Token.array ? Token.low(tokens[index]) : index + 1
        var textBytes = 0
        for i in index..<end {
            let token = tokens[i]
            let tokenKind = Token.kind(token)
            if tokenKind == Token.string || tokenKind == Token.number { textBytes += Token.size(token) }
        }
        // At least one byte each, so that an allocation is always made and freed.
        let newBytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(textBytes, 1))
        let newTokens = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: end - index)
        newBytes.initialize(repeating: 0)
        var written = 0
        for i in index..<end {
            let token = tokens[i]
            let tokenKind = Token.kind(token)
            switch tokenKind {
            case Token.object, Token.array:
                let moved = Token.container(tokenKind, count: Token.size(token), next: Token.low(token) - index)
                newTokens.initializeElement(at: i - index, to: moved)
            case Token.string, Token.number:
                let text = JSONCursor.text(token, in: bytes)
                for (offset, byte) in text.enumerated() { newBytes[written + offset] = byte }
                let moved = Token.text(tokenKind, offset: written, length: text.count, plain: Token.isPlain(token))
                newTokens.initializeElement(at: i - index, to: moved)
                written += text.count
            default:
                newTokens.initializeElement(at: i - index, to: token)
            }
        }
        return JSONView(storage: TapeStorage(owning: newBytes, tokens: newTokens), index: 0)
    }
}
