import JSON
import YAML

/// Finds fields a schema does not declare. POST/PUT prune them (and warn or fail per
/// `fieldValidation`); server-side apply cannot even build a typed object from them and answers
/// 500, as kube-apiserver's structured-merge-diff conversion does.
enum SchemaPruner {
    /// Removes undeclared fields, returning their dotted paths (`spec.bogusField`).
    static func prune(_ value: inout Node, _ schema: StructuralSchema, path: String, unknown: inout [String]) {
        guard case .mapping(var entries) = value.value else {
            if case .sequence(var items) = value.value, let itemSchema = schema.items {
                for index in items.indices {
                    prune(&items[index], itemSchema, path: "\(path)[\(index)]", unknown: &unknown)
                }
                value.value = .sequence(items)
            }
            return
        }
        if schema.keepsUnknown && schema.properties.isEmpty && schema.additionalProperties == nil { return }
        var kept: [Node.Entry] = []
        for var entry in entries {
            let childPath = path.isEmpty ? entry.key : "\(path).\(entry.key)"
            if let child = schema.child(entry.key) {
                prune(&entry.value, child, path: childPath, unknown: &unknown)
                kept.append(entry)
            } else if schema.keepsUnknown || schema.preserveUnknown {
                kept.append(entry)
            } else {
                unknown.append(childPath)
            }
        }
        entries = kept
        value.value = .mapping(entries)
    }

    /// The typed-patch conversion errors of server-side apply (`.spec.hosts: expected list, got &{x}`).
    static func typeErrors(_ value: Node, _ schema: StructuralSchema, path: String, into errors: inout [String]) {
        if value.isNull { return }
        let expected: String?
        if schema.intOrString {
            expected = nil
        } else {
            switch schema.type {
            case "array": expected = value.sequence == nil ? "list" : nil
            case "object": expected = value.isMapping ? nil : "map"
            case "string": if case .string = value.value { expected = nil } else { expected = "string" }
            case "boolean": expected = value.bool == nil ? "bool" : nil
            case "integer", "number": expected = value.double == nil ? "numeric" : nil
            default: expected = nil
            }
        }
        if let expected {
            errors.append("\(path): expected \(expected), got \(goValue(value))")
            return
        }
        switch value.value {
        case .sequence(let items):
            if let itemSchema = schema.items {
                for (index, item) in items.enumerated() {
                    typeErrors(item, itemSchema, path: "\(path)[\(index)]", into: &errors)
                }
            }
        case .mapping(let entries):
            for entry in entries {
                let childPath = "\(path).\(entry.key)"
                if let child = schema.child(entry.key) {
                    typeErrors(entry.value, child, path: childPath, into: &errors)
                } else if !schema.keepsUnknown {
                    errors.append("\(childPath): field not declared in schema")
                }
            }
        default: break
        }
    }

    /// How Go's `%v` prints the offending value inside structured-merge-diff errors.
    static func goValue(_ value: Node) -> String {
        switch value.value {
        case .string(let s): return "&{\(s)}"
        default: return "&value.valueUnstructured{Value:\(value.scalarText ?? value.jsonString())}"
        }
    }
}
