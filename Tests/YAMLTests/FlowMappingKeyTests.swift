import Testing
import YAML

/// managedFields' `fieldsV1` keys (`f:spec`, `k:{"name":"v1"}`) contain colons; written in flow
/// style they must still read as plain keys.
@Suite struct FlowMappingKeyTests {
    @Test func colonKeysInFlowMappings() throws {
        let root = try YAMLParser.parse("a: {f:spec: {f:http: {}}}\n", file: "t.yaml")[0].root
        #expect(root["a"]?.entries?.map(\.key) == ["f:spec"])
        #expect(root[path: ["a", "f:spec"]]?.entries?.map(\.key) == ["f:http"])
    }
}
