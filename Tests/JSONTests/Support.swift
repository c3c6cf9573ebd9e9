import YAML

/// Value equality plus a type check (Node's `==` treats 1 and 1.0 as equal).
func sameKind(_ a: Node.Value, _ b: Node.Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.float(let x), .float(let y)): return x == y || (x.isNaN && y.isNaN)
    case (.string(let x), .string(let y)): return x == y
    default: return false
    }
}
