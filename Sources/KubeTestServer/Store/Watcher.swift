import JSON
import YAML

/// One open watch: filters store events by namespace and label selector, renders them in the
/// requested version and hands JSON lines to the connection (`send`), which writes them on its
/// event loop. BOOKMARKs carry only apiVersion, kind and metadata.resourceVersion.
final class Watcher: @unchecked Sendable {
    let resource: String
    let namespace: String?
    let selector: LabelSelector
    let fieldName: String?
    let render: @Sendable (Node) -> Node
    let apiVersion: String
    let kind: String
    let bookmarks: Bool
    private let send: @Sendable (String) -> Void
    /// Events left before the stream is cut (fault `dropWatch`); nil: unlimited.
    var remainingEvents: Int?
    var onExhausted: (@Sendable () -> Void)?

    init(resource: String, namespace: String?, selector: LabelSelector, fieldName: String?, apiVersion: String, kind: String,
         bookmarks: Bool, render: @escaping @Sendable (Node) -> Node, send: @escaping @Sendable (String) -> Void) {
        self.resource = resource
        self.namespace = namespace
        self.selector = selector
        self.fieldName = fieldName
        self.apiVersion = apiVersion
        self.kind = kind
        self.bookmarks = bookmarks
        self.render = render
        self.send = send
    }

    func deliver(_ event: ObjectStore.Event) {
        let meta = event.object["metadata"]
        if let namespace, meta?["namespace"]?.string != namespace { return }
        if let fieldName, meta?["name"]?.string != fieldName { return }
        guard selector.matches(meta?["labels"]) else { return }
        if let remaining = remainingEvents {
            if remaining <= 0 { return }
            remainingEvents = remaining - 1
        }
        let line = Node.object(["type": .string(event.type), "object": render(event.object)]).jsonString() + "\n"
        send(line)
        if remainingEvents == 0 { onExhausted?() }
    }

    func bookmark(_ resourceVersion: Int, initialEventsEnd: Bool = false) {
        var metadata: Node = [:]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        metadata["resourceVersion"] = .string(String(resourceVersion))
        let object = Node.object(["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": metadata])
        send(Node.object(["type": "BOOKMARK", "object": object]).jsonString() + "\n")
    }

    func initialEventsEnd(_ resourceVersion: Int) {
        if bookmarks { bookmark(resourceVersion, initialEventsEnd: true) }
    }

    func error(_ status: Node) {
        send(Node.object(["type": "ERROR", "object": status]).jsonString() + "\n")
    }
}
