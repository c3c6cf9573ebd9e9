import Testing
@testable import HTTP

@Suite struct ServerNameRewriteTests {
    @Test func urlNamesTheServerNameAndConnectToKeepsTheRealAddress() throws {
        let rewrite = try #require(ServerNameRewrite(url: "https://10.0.0.1:6443/api/v1/namespaces?limit=1", serverName: "kubernetes.default"))
        #expect(rewrite.url == "https://kubernetes.default:6443/api/v1/namespaces?limit=1")
        #expect(rewrite.connectTo == "kubernetes.default:6443:10.0.0.1:6443")
        let v6 = try #require(ServerNameRewrite(url: "https://[fd00::1]/apis", serverName: "api.internal"))
        #expect(v6.url == "https://api.internal:443/apis")
        #expect(v6.connectTo == "api.internal:443:[fd00::1]:443")
        #expect(ServerNameRewrite(url: "https://api.internal:443/x", serverName: "API.internal") == nil)
    }
}
