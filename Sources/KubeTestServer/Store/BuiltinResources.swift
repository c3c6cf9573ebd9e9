import YAML

/// The built-in kinds the test server serves, with the small schemas that matter for field
/// ownership (containers are a map keyed by name; ConfigMap data values are strings).
enum BuiltinResources {
    static func all() -> [ResourceType] {
        func builtin(_ group: String, _ version: String, _ plural: String, _ kind: String, namespaced: Bool = true,
                     short: [String] = [], categories: [String] = [], status: Bool = false,
                     unconditional: Bool = true, schema: String? = nil) -> ResourceType {
            var type = ResourceType(group: group, versions: [version], storageVersion: version, plural: plural,
                                    singular: kind.lowercased(), kind: kind, namespaced: namespaced, shortNames: short,
                                    categories: categories, isCustom: false, hasStatus: status)
            type.allowsUnconditionalUpdate = unconditional
            if let schema, let node = try? YAMLParser.parse(schema, file: "<builtin>").first?.root {
                type.schemas[version] = StructuralSchema(node)
            }
            return type
        }
        return [
            builtin("", "v1", "namespaces", "Namespace", namespaced: false, short: ["ns"], status: true),
            builtin("", "v1", "configmaps", "ConfigMap", short: ["cm"], schema: configMapSchema),
            builtin("", "v1", "events", "Event", short: ["ev"], schema: eventSchema),
            builtin("", "v1", "pods", "Pod", short: ["po"], categories: ["all"], status: true, schema: podSchema),
            builtin("", "v1", "services", "Service", short: ["svc"], categories: ["all"], status: true),
            builtin("", "v1", "serviceaccounts", "ServiceAccount", short: ["sa"]),
            builtin("", "v1", "secrets", "Secret"),
            builtin("apps", "v1", "deployments", "Deployment", short: ["deploy"], categories: ["all"], status: true, schema: workloadSchema),
            builtin("apps", "v1", "statefulsets", "StatefulSet", short: ["sts"], categories: ["all"], status: true, schema: workloadSchema),
            builtin("apps", "v1", "daemonsets", "DaemonSet", short: ["ds"], categories: ["all"], status: true, schema: workloadSchema),
            builtin("apps", "v1", "replicasets", "ReplicaSet", short: ["rs"], categories: ["all"], status: true, schema: workloadSchema),
            builtin("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", short: ["netpol"], schema: networkPolicySchema),
            builtin("events.k8s.io", "v1", "events", "Event", short: ["ev"], schema: eventSchema),
            builtin("coordination.k8s.io", "v1", "leases", "Lease", unconditional: false),
        ]
    }

    /// Label selectors are atomic structs; rule lists are atomic.
    static let networkPolicySchema = """
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              podSelector: {type: object, x-kubernetes-map-type: atomic, x-kubernetes-preserve-unknown-fields: true}
        """

    /// Object references are atomic structs.
    static let eventSchema = """
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          regarding: {type: object, x-kubernetes-map-type: atomic, x-kubernetes-preserve-unknown-fields: true}
          related: {type: object, x-kubernetes-map-type: atomic, x-kubernetes-preserve-unknown-fields: true}
          involvedObject: {type: object, x-kubernetes-map-type: atomic, x-kubernetes-preserve-unknown-fields: true}
        """

    static let configMapSchema = """
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          data: {type: object, additionalProperties: {type: string}}
          binaryData: {type: object, additionalProperties: {type: string}}
        """

    static let containers = """
        {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name],
         items: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {
           name: {type: string},
           env: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name], items: {type: object, x-kubernetes-preserve-unknown-fields: true}},
           ports: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [containerPort, protocol], items: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}}
        """

    static var podSpec: String {
        "{type: object, x-kubernetes-preserve-unknown-fields: true, properties: {containers: \(containers), initContainers: \(containers), volumes: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name], items: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}"
    }

    static var podSchema: String {
        "{type: object, x-kubernetes-preserve-unknown-fields: true, properties: {spec: \(podSpec)}}"
    }

    static var workloadSchema: String {
        "{type: object, x-kubernetes-preserve-unknown-fields: true, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {template: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {spec: \(podSpec)}}}}}}"
    }
}
