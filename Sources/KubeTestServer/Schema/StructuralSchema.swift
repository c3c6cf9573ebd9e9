import YAML

/// The subset of a CRD's structural `openAPIV3Schema` the apiserver uses to validate, prune and
/// compute field ownership: types, properties, list semantics and the value constraints that the
/// Istio and Calico CRDs declare. Immutable, so it can be shared by every request.
final class StructuralSchema: Sendable {
    let type: String?
    let properties: [String: StructuralSchema]
    let additionalProperties: StructuralSchema?
    let required: [String]
    let enumValues: [Node]?
    let intOrString: Bool
    let preserveUnknown: Bool
    let embeddedResource: Bool
    let listType: String?
    let listMapKeys: [String]
    let mapType: String?
    let items: StructuralSchema?
    let maxLength: Int?
    let minLength: Int?
    let minimum: Double?
    let maximum: Double?
    let maxItems: Int?
    let defaultValue: Node?
    /// Some schema below has `x-kubernetes-validations` (CEL) rules.
    let hasCELRules: Bool

    init(_ node: Node) {
        type = node["type"]?.string
        var props: [String: StructuralSchema] = [:]
        for entry in node["properties"]?.entries ?? [] { props[entry.key] = StructuralSchema(entry.value) }
        properties = props
        if let additional = node["additionalProperties"], additional.isMapping {
            additionalProperties = StructuralSchema(additional)
        } else {
            additionalProperties = nil
        }
        required = node["required"]?.sequence?.compactMap(\.string) ?? []
        enumValues = node["enum"]?.sequence
        intOrString = node["x-kubernetes-int-or-string"]?.bool ?? false
        preserveUnknown = node["x-kubernetes-preserve-unknown-fields"]?.bool ?? false
        embeddedResource = node["x-kubernetes-embedded-resource"]?.bool ?? false
        listType = node["x-kubernetes-list-type"]?.string
        listMapKeys = node["x-kubernetes-list-map-keys"]?.sequence?.compactMap(\.string) ?? []
        mapType = node["x-kubernetes-map-type"]?.string
        items = node["items"].flatMap { $0.isMapping ? StructuralSchema($0) : nil }
        maxLength = node["maxLength"]?.int
        minLength = node["minLength"]?.int
        minimum = node["minimum"]?.double
        maximum = node["maximum"]?.double
        maxItems = node["maxItems"]?.int
        defaultValue = node["default"]
        let own = node["x-kubernetes-validations"] != nil
        hasCELRules = own || props.values.contains { $0.hasCELRules }
            || (items?.hasCELRules ?? false) || (additionalProperties?.hasCELRules ?? false)
    }

    /// A schema that accepts anything (built-in kinds without a declared schema).
    static let anything = StructuralSchema(["x-kubernetes-preserve-unknown-fields": true])

    /// The schema of a child: a declared property, then `additionalProperties`.
    func child(_ key: String) -> StructuralSchema? {
        properties[key] ?? additionalProperties
    }

    var isObjectLike: Bool { type == "object" || (!properties.isEmpty) || additionalProperties != nil }

    /// Unknown keys are kept (not pruned, not reported) under this node.
    var keepsUnknown: Bool { preserveUnknown || (type == nil && properties.isEmpty && additionalProperties == nil) }

    /// Atomic lists and maps are owned as one field by server-side apply.
    var isAtomicList: Bool { listType == nil || listType == "atomic" }
}
