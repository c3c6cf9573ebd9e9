import JSON
import YAML

extension KubeClient {
    /// `list`, one page at a time: `eachPage` gets every page as soon as it is read, before the
    /// next is requested, so a caller that is done with a page's items lets it go (a plan of
    /// 10,000 objects held 15 MiB of pages and their indexes at once otherwise). All pages share
    /// the first page's resourceVersion. An expired continue token (410) restarts the list once
    /// from the beginning: the next page is marked `isFirst` again. Returns the list's
    /// resourceVersion and how many pages were read.
    public func listPages(_ resource: APIResource, namespace: String? = nil, labelSelector: String? = nil,
                          limit: Int = 500, eachPage: (ListPage) async throws -> Void)
        async throws -> (resourceVersion: String, pages: Int) {
        let object = resource.kind + (namespace.map { " in \($0)" } ?? "")
        var restarted = false
        listing: while true {
            var pages = 0
            var token: String?
            var resourceVersion = ""
            repeat {
                let query: [(String, String?)] = [
                    ("labelSelector", labelSelector.flatMap { $0.isEmpty ? nil : $0 }),
                    ("limit", limit > 0 ? String(limit) : nil),
                    ("continue", token),
                ]
                let page: JSONView
                do {
                    let path = resource.collectionPath(namespace: resource.namespaced ? namespace : nil)
                    page = try await readPage(Call(verb: "list", object: object, method: "GET", path: path,
                                                   query: query))
                } catch let error as KubeError where error.isGone && token != nil && !restarted {
                    restarted = true
                    continue listing
                }
                pages += 1
                if pages == 1 { resourceVersion = page[path: ["metadata", "resourceVersion"]]?.string ?? "" }
                token = page[path: ["metadata", "continue"]]?.string.flatMap { $0.isEmpty ? nil : $0 }
                try await eachPage(ListPage(items: page["items"]?.elements ?? [], itemAPIVersion: resource.apiVersion,
                                            itemKind: resource.kind, isFirst: pages == 1))
            } while token != nil
            return (resourceVersion, pages)
        }
    }

    /// One page, indexed; the response body goes when this returns, not after the caller's
    /// `eachPage` (which may wait for the render) is done with the page.
    private func readPage(_ call: Call) async throws -> JSONView {
        let response = try await perform(call)
        return try index(response, verb: call.verb, object: call.object)
    }
}
