import Foundation
import ReconcileCore
import Testing

@Suite struct UnifiedDiffTests {
    @Test func identicalTextsHaveNoHunks() {
        #expect(UnifiedDiff(old: "a\nb\n", new: "a\nb\n").isEmpty)
        #expect(UnifiedDiff(old: "a\n", new: "a\n").render(oldName: "x", newName: "y") == "")
    }

    /// A create or a delete is one hunk of every line, as `diff -u` prints it against an empty file.
    @Test func createsAndDeletesAreOneHunk() {
        let text = "a: 1\nb: 2\nc: 3\n"
        #expect(UnifiedDiff(old: "", new: text).render(oldName: "x", newName: "y") == "--- x\n+++ y\n@@ -0,0 +1,3 @@\n+a: 1\n+b: 2\n+c: 3\n")
        #expect(UnifiedDiff(old: text, new: "").render(oldName: "x", newName: "y") == "--- x\n+++ y\n@@ -1,3 +0,0 @@\n-a: 1\n-b: 2\n-c: 3\n")
        #expect(UnifiedDiff(old: "", new: "").isEmpty)
        #expect(UnifiedDiff(old: "", new: text).added == 3 && UnifiedDiff(old: text, new: "").removed == 3)
    }

    @Test func singleChangeWithContext() {
        let old = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n")
        let diff = UnifiedDiff(old: old, new: new, context: 2)
        #expect(diff.hunks.count == 1)
        #expect(diff.render(oldName: "a", newName: "b") == """
        --- a
        +++ b
        @@ -3,5 +3,5 @@
         line 3
         line 4
        -line 5
        +line five
         line 6
         line 7

        """)
    }

    @Test func distantChangesAreSeparateHunksAndNearOnesMerge() {
        let old = (1...30).map(String.init).joined(separator: "\n") + "\n"
        var lines = (1...30).map(String.init)
        lines[1] = "two"; lines[27] = "twenty-eight"
        let far = UnifiedDiff(old: old, new: lines.joined(separator: "\n") + "\n", context: 3)
        #expect(far.hunks.count == 2)
        #expect(far.hunks[1].header == "@@ -25,6 +25,6 @@")
        lines = (1...30).map(String.init)
        lines[1] = "two"; lines[6] = "seven"
        let near = UnifiedDiff(old: old, new: lines.joined(separator: "\n") + "\n", context: 3)
        #expect(near.hunks.count == 1)
    }

    @Test func creationAndDeletion() {
        let created = UnifiedDiff(old: "", new: "a\nb\n")
        #expect(created.hunks.first?.header == "@@ -0,0 +1,2 @@")
        #expect(created.added == 2)
        let deleted = UnifiedDiff(old: "a\nb\n", new: "")
        #expect(deleted.hunks.first?.header == "@@ -1,2 +0,0 @@")
        #expect(deleted.removed == 2)
    }
}
