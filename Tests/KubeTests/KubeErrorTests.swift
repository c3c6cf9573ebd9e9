import Foundation
import Testing
import YAML
@testable import Kube

@Suite struct KubeErrorTests {
    static let conflictBody = """
    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
     "message":"Apply failed with 1 conflict: conflict with \\"kubectl-edit\\": .spec.http","reason":"Conflict",
     "details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \\"kubectl-edit\\"","field":".spec.http"}]},"code":409}
    """

    @Test func conflictStatusNamesVerbObjectMessageAndField() {
        let error = KubeError.from(status: 409, body: Array(Self.conflictBody.utf8), verb: "apply", object: "VirtualService shop/web")
        #expect(error.isConflict && !error.isNotFound && !error.isInvalid)
        #expect(error.reason == "Conflict")
        #expect(error.causes == [KubeError.Cause(field: ".spec.http", message: "conflict with \"kubectl-edit\"", reason: "FieldManagerConflict")])
        #expect(error.description == #"apply VirtualService shop/web: 409 Conflict: Apply failed with 1 conflict: conflict with "kubectl-edit": .spec.http (field .spec.http)"#)
    }

    @Test func invalidStatusListsCausesNotInTheMessage() {
        let body = """
        {"kind":"Status","apiVersion":"v1","status":"Failure","message":"Event.events.k8s.io \\"x\\" is invalid","reason":"Invalid",
         "details":{"name":"x","group":"events.k8s.io","kind":"Event","causes":[
           {"reason":"FieldValueRequired","message":"Required value","field":"eventTime"},
           {"message":"some validation rules were not checked because the object was invalid","field":"<nil>"}]},"code":422}
        """
        let error = KubeError.from(status: 422, body: Array(body.utf8), verb: "create", object: "Event shop/x")
        #expect(error.isInvalid)
        #expect(error.causes.count == 2)
        #expect(error.description.contains("create Event shop/x: 422 Invalid: Event.events.k8s.io \"x\" is invalid; eventTime: Required value"))
        #expect(error.description.contains("; some validation rules were not checked"))
    }

    @Test func plainTextNotFoundAndStatusWithoutReason() {
        let plain = KubeError.from(status: 404, body: Array("404 page not found\n".utf8), headers: [("Content-Type", "text/plain; charset=utf-8")],
                                   verb: "get", object: "Nosuch shop/x")
        #expect(plain.isNotFound)
        #expect(plain.message == "404 page not found")
        #expect(plain.description == "get Nosuch shop/x: 404 NotFound: 404 page not found")
        let typed = KubeError.from(status: 500, body: Array(#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"failed to create typed patch object","code":500}"#.utf8),
                                   verb: "apply", object: "VirtualService a/b")
        #expect(typed.reason == nil)
        #expect(typed.description == "apply VirtualService a/b: 500 Internal Server Error: failed to create typed patch object")
    }

    @Test func retryAfterFromHeaderOrDetails() {
        let header = KubeError.from(status: 429, body: Array(#"{"kind":"Status","status":"Failure","message":"slow down","reason":"TooManyRequests","code":429}"#.utf8),
                                    headers: [("Retry-After", "3")], verb: "list", object: nil)
        #expect(header.retryAfter == 3)
        let details = KubeError.from(status: 429, body: Array(#"{"kind":"Status","status":"Failure","message":"x","reason":"TooManyRequests","details":{"retryAfterSeconds":2},"code":429}"#.utf8),
                                     verb: "list", object: nil)
        #expect(details.retryAfter == 2)
    }

    @Test func watchErrorEventDecodesAsGone() throws {
        let line = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (622)","reason":"Expired","code":410}}"#
        let event = try Node(json: Array(line.utf8))
        let error = KubeError.from(statusObject: event["object"]!, verb: "watch", object: "VirtualService")
        #expect(error.isGone)
        #expect(error.code == 410)
        #expect(error.message == "too old resource version: 1 (622)")
    }

    @Test(.enabled(if: Transcripts.available, "shared/k8s-transcripts not present"),
          arguments: ["018-vs-apply-other-conflict.http", "055-notfound-vs.http", "056-notfound-unknown-resource.http",
                      "073-delete-vs-wrong-rv-precondition.http", "099-lease-update-stale.http", "106-auth-sa-forbidden.http",
                      "117-calico-networkpolicy-cel-invalid.http", "025-invalid-vs-hosts-apply.http", "103-auth-bad-token.http"])
    func recordedErrorResponsesDecode(file: String) throws {
        let response = try Transcripts.response(file)
        let error = KubeError.from(status: response.status, body: response.body, headers: response.headers, verb: "test", object: "Obj ns/n")
        #expect(error.code == response.status)
        #expect(!error.message.isEmpty)
        #expect(error.description.hasPrefix("test Obj ns/n: \(response.status) "))
        if let node = try? Node(json: response.body) {
            #expect(error.message == node["message"]?.string)
            #expect(error.causes.count == (node[path: ["details", "causes"]]?.sequence?.count ?? 0))
        }
    }
}
