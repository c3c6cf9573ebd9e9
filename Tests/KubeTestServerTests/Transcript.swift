import Foundation
import YAML

/// One recorded exchange from /work/shared/k8s-transcripts (`NNN-name.http`).
struct Transcript {
    var method: String
    var target: String
    var requestHeaders: [(name: String, value: String)]
    var requestBody: [UInt8]
    var status: Int
    var responseHeaders: [(name: String, value: String)]
    var responseBody: String

    static let directory = "/work/shared/k8s-transcripts"

    static func load(_ number: String) throws -> Transcript {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        guard let file = files.first(where: { $0.hasPrefix(number + "-") && $0.hasSuffix(".http") }) else {
            throw CocoaError(.fileNoSuchFile)
        }
        let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
        let parts = text.components(separatedBy: "\n### response\n")
        var request = parts[0].components(separatedBy: "\n")
        request.removeFirst()  // title
        let requestLine = request.removeFirst().split(separator: " ")
        var headers: [(String, String)] = []
        while let line = request.first, !line.isEmpty {
            request.removeFirst()
            let pair = line.split(separator: ":", maxSplits: 1)
            headers.append((String(pair[0]), pair.count > 1 ? pair[1].trimmingCharacters(in: .whitespaces) : ""))
        }
        let body = request.dropFirst().joined(separator: "\n").trimmingCharacters(in: .newlines)
        var response = parts[1].components(separatedBy: "\n")
        let statusLine = response.removeFirst().split(separator: " ")
        var responseHeaders: [(String, String)] = []
        while let line = response.first, !line.isEmpty {
            response.removeFirst()
            let pair = line.split(separator: ":", maxSplits: 1)
            responseHeaders.append((String(pair[0]), pair.count > 1 ? pair[1].trimmingCharacters(in: .whitespaces) : ""))
        }
        return Transcript(method: String(requestLine[0]), target: String(requestLine[1]), requestHeaders: headers,
                          requestBody: Array(body.utf8), status: Int(statusLine[1]) ?? 0, responseHeaders: responseHeaders,
                          responseBody: response.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    var responseJSON: Node? { try? Node(json: Array(responseBody.utf8)) }

    /// uids, timestamps and resourceVersions replaced by placeholders so runs compare equal.
    static func normalize(_ node: Node) -> Node {
        switch node.value {
        case .mapping(let entries):
            return Node(.mapping(entries.map { entry in
                switch entry.key {
                case "managedFields":
                    let items = (entry.value.sequence ?? []).map(normalize).sorted { ($0["manager"]?.string ?? "") < ($1["manager"]?.string ?? "") }
                    return Node.Entry(key: entry.key, value: .sequence(items))
                case "uid", "resourceVersion", "creationTimestamp", "time", "deletionTimestamp", "continue":
                    return Node.Entry(key: entry.key, value: entry.value.string.map { Node.string($0.isEmpty ? "" : "<\(entry.key)>") } ?? entry.value)
                default: return Node.Entry(key: entry.key, value: normalize(entry.value))
                }
            }))
        case .sequence(let items): return Node(.sequence(items.map(normalize)))
        default: return node.withoutMarks
        }
    }
}
