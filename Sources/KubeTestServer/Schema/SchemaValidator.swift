import JSON
import YAML

/// Validates an object against a structural schema the way the apiserver's CRD handler does:
/// every violation becomes one `details.causes[]` entry with the apiserver's wording.
struct SchemaValidator {
    var causes: [APIError.Cause] = []

    mutating func validate(_ value: Node, _ schema: StructuralSchema, path: String) {
        if value.isNull { return }
        if schema.intOrString {
            switch value.value {
            case .int, .string: break
            case .float(let d) where d == d.rounded(): break
            default:
                causes.append(.init(reason: "FieldValueTypeInvalid",
                    message: "Invalid value: \"\(jsonTypeName(value))\": \(path) in body must be of type integer,string: \"\(jsonTypeName(value))\"",
                    field: path))
                return
            }
        } else if let type = schema.type, !matches(value, type) {
            causes.append(.init(reason: "FieldValueTypeInvalid",
                message: "Invalid value: \"\(jsonTypeName(value))\": \(path) in body must be of type \(type): \"\(jsonTypeName(value))\"",
                field: path))
            return
        }
        if let allowed = schema.enumValues, !allowed.contains(value) {
            let list = allowed.map(\.goQuoted).joined(separator: ", ")
            causes.append(.init(reason: "FieldValueNotSupported",
                message: "Unsupported value: \(value.goQuoted): supported values: \(list)", field: path))
        }
        switch value.value {
        case .string(let s):
            if let max = schema.maxLength, s.count > max {
                causes.append(.init(reason: "FieldValueTooLong",
                    message: "Too long: may not be more than \(max) bytes", field: path))
            }
            if let min = schema.minLength, s.count < min {
                causes.append(.init(reason: "FieldValueInvalid",
                    message: "Invalid value: \(value.goQuoted): \(path) in body should be at least \(min) chars long", field: path))
            }
        case .int, .float:
            let d = value.double ?? 0
            if let min = schema.minimum, d < min {
                causes.append(.init(reason: "FieldValueInvalid",
                    message: "Invalid value: \(value.jsonString()): \(path) in body should be greater than or equal to \(Node.float(min).jsonString())", field: path))
            }
            if let max = schema.maximum, d > max {
                causes.append(.init(reason: "FieldValueInvalid",
                    message: "Invalid value: \(value.jsonString()): \(path) in body should be less than or equal to \(Node.float(max).jsonString())", field: path))
            }
        case .sequence(let items):
            if let max = schema.maxItems, items.count > max {
                causes.append(.init(reason: "FieldValueTooMany",
                    message: "Too many: \(items.count): must have at most \(max) items", field: path))
            }
            if let itemSchema = schema.items {
                for (index, item) in items.enumerated() { validate(item, itemSchema, path: "\(path)[\(index)]") }
            }
        case .mapping(let entries):
            for key in schema.required where !entries.contains(where: { $0.key == key }) && !(path.isEmpty && ["metadata", "apiVersion", "kind"].contains(key)) {
                causes.append(.required(path.isEmpty ? key : "\(path).\(key)"))
            }
            for entry in entries {
                guard let child = schema.child(entry.key) else { continue }
                validate(entry.value, child, path: path.isEmpty ? entry.key : "\(path).\(entry.key)")
            }
        default: break
        }
    }

    private func matches(_ value: Node, _ type: String) -> Bool {
        switch (type, value.value) {
        case ("string", .string), ("boolean", .bool), ("integer", .int), ("object", .mapping), ("array", .sequence): return true
        case ("integer", .float(let d)): return d == d.rounded()
        case ("number", .int), ("number", .float): return true
        default: return false
        }
    }

    private func jsonTypeName(_ value: Node) -> String {
        switch value.value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .float: return "number"
        case .string: return "string"
        case .sequence: return "array"
        case .mapping: return "object"
        }
    }
}

extension Node {
    static func float(_ d: Double) -> Node { Node(.float(d)) }
}
