import Testing
import YAML

/// Chart.yaml, values.yaml and values.schema.json: the chart's metadata and its values contract.
struct ChartValuesTests {
    @Test func chartMetadata() throws {
        let chart = try ChartFiles.yaml("Chart.yaml")
        #expect(chart["apiVersion"]?.string == "v2")
        #expect(chart["name"]?.string == "reconcile")
        #expect(chart["type"]?.string == "application")
        #expect(chart["version"]?.string == "0.1.0")
        #expect(chart["appVersion"]?.string == "0.1.0")
        #expect(chart["kubeVersion"]?.string == ">=1.27.0-0")
        #expect(chart["description"]?.string?.isEmpty == false)
    }

    @Test func valuesDefaults() throws {
        let values = try ChartFiles.yaml("values.yaml")
        #expect(values.isMapping)
        #expect(values["replicaCount"]?.int == 2)
        #expect(values["interval"]?.string == "1m")
        #expect(values["drift"]?.string == "correct")
        #expect(values["logFormat"]?.string == "json")
        #expect(values[path: ["git", "type"]]?.string == "none")
        #expect(values[path: ["rbac", "createNamespaces"]]?.bool == true)
        #expect(values[path: ["serviceMonitor", "enabled"]]?.bool == false)
        #expect(values[path: ["podDisruptionBudget", "minAvailable"]]?.int == 1)
        #expect(values[path: ["service", "port"]]?.int == 8080)
        #expect(values["statusConfigMap"]?.string == "reconcile-status")
        #expect(values["instance"]?.string == "", "the release name")
        #expect(values["allowInsecureTransport"]?.bool == false, "cleartext remotes off the machine are refused by default")
        #expect(values[path: ["scope", "namespaces"]]?.sequence?.isEmpty == true)
        #expect(values[path: ["scope", "clusterScoped"]]?.string == "auto")
        #expect(values[path: ["resources", "requests"]]?.isMapping == true)
        #expect(values[path: ["resources", "limits"]]?.isMapping == true)
    }

    @Test func schemaIsDraft07AndClosed() throws {
        let schema = try ChartFiles.json("values.schema.json")
        #expect(schema["$schema"]?.string == "http://json-schema.org/draft-07/schema#")
        #expect(schema["type"]?.string == "object")
        #expect(schema["additionalProperties"]?.bool == false)
        let properties = try #require(schema["properties"])
        for name in ["image", "repo", "git", "webhook", "rbac", "service", "serviceMonitor", "networkPolicy", "resources", "podDisruptionBudget"] {
            #expect(properties[path: [name, "additionalProperties"]]?.bool == false, "\(name) should be a closed object")
        }
        #expect(properties[path: ["drift", "enum"]]?.strings == ["correct", "report"])
        #expect(properties[path: ["logFormat", "enum"]]?.strings == ["json", "text"])
        #expect(properties[path: ["git", "properties", "type", "enum"]]?.strings == ["none", "https", "ssh"])
    }

    /// Every top-level value has a schema entry and every schema entry a default in values.yaml.
    @Test func schemaCoversEveryTopLevelValue() throws {
        let values = try ChartFiles.yaml("values.yaml")
        let schema = try ChartFiles.json("values.schema.json")
        let valueKeys = Set((values.entries ?? []).map(\.key))
        let schemaKeys = Set((schema["properties"]?.entries ?? []).map(\.key))
        #expect(valueKeys.subtracting(schemaKeys).isEmpty, "values without a schema: \(valueKeys.subtracting(schemaKeys).sorted())")
        #expect(schemaKeys.subtracting(valueKeys).isEmpty, "schema entries without a default: \(schemaKeys.subtracting(valueKeys).sorted())")
    }

    /// The defaults satisfy the schema, nested keys included (types, enums, required keys, closed
    /// objects): a small draft-07 subset, enough for what this schema uses.
    @Test func valuesValidateAgainstSchema() throws {
        let values = try ChartFiles.yaml("values.yaml")
        let schema = try ChartFiles.json("values.schema.json")
        var problems: [String] = []
        SchemaCheck.validate(values, against: schema, at: "", problems: &problems)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The checker itself rejects what the schema forbids (so the test above can fail).
    @Test(arguments: [
        ("drift", Node.string("fix"), "not one of"),
        ("replicaCount", Node.string("2"), "expected integer"),
        ("unknownKey", Node(.bool(true)), "not allowed"),
        ("logFormat", Node(.int(1)), "expected string"),
    ])
    func schemaCheckRejects(key: String, value: Node, message: String) throws {
        var values = try ChartFiles.yaml("values.yaml")
        values[key] = value
        var problems: [String] = []
        SchemaCheck.validate(values, against: try ChartFiles.json("values.schema.json"), at: "", problems: &problems)
        #expect(problems.contains { $0.contains(message) }, "\(problems)")
    }
}

/// A subset of JSON Schema draft-07: type (one or a list), enum, required, properties,
/// additionalProperties (false or a schema), items, minimum/maximum, minLength.
enum SchemaCheck {
    static func validate(_ value: Node, against schema: Node, at path: String, problems: inout [String]) {
        let here = path.isEmpty ? "(root)" : path
        if let types = schema["type"].map({ $0.string.map { [$0] } ?? $0.strings }), !types.contains(where: { matches(value, type: $0) }) {
            problems.append("\(here): expected \(types.joined(separator: " or ")), found \(value.typeName)")
            return
        }
        if let allowed = schema["enum"]?.sequence, !allowed.contains(value) {
            problems.append("\(here): \(value.scalarText ?? value.typeName) is not one of \(allowed.compactMap(\.scalarText))")
        }
        if let minimum = schema["minimum"]?.double, let number = value.double, number < minimum {
            problems.append("\(here): \(number) < minimum \(minimum)")
        }
        if let maximum = schema["maximum"]?.double, let number = value.double, number > maximum {
            problems.append("\(here): \(number) > maximum \(maximum)")
        }
        if let minLength = schema["minLength"]?.int, let text = value.string, text.count < minLength {
            problems.append("\(here): shorter than \(minLength)")
        }
        if let entries = value.entries {
            for required in schema["required"]?.strings ?? [] where value[required] == nil {
                problems.append("\(here): missing required \(required)")
            }
            let properties = schema["properties"]
            for entry in entries {
                let child = path.isEmpty ? entry.key : "\(path).\(entry.key)"
                if let propertySchema = properties?[entry.key] {
                    validate(entry.value, against: propertySchema, at: child, problems: &problems)
                } else if let additional = schema["additionalProperties"] {
                    if additional.bool == false {
                        problems.append("\(child): not allowed by the schema")
                    } else if additional.isMapping {
                        validate(entry.value, against: additional, at: child, problems: &problems)
                    }
                }
            }
        }
        if let items = value.sequence, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() {
                validate(item, against: itemSchema, at: "\(here)[\(index)]", problems: &problems)
            }
        }
    }

    private static func matches(_ value: Node, type: String) -> Bool {
        switch (type, value.value) {
        case ("object", .mapping), ("array", .sequence), ("string", .string), ("boolean", .bool),
             ("integer", .int), ("number", .int), ("number", .float), ("null", .null):
            return true
        default:
            return false
        }
    }
}
