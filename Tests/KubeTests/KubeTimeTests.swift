import Foundation
import Kube
import Testing

/// `KubeTime` against Foundation's `ISO8601DateFormatter` (the reference it replaced) and the
/// forms Kubernetes writes: `metav1.Time`, `metav1.MicroTime`, offsets, bad input.
struct KubeTimeTests {
    @Test func formatsWholeSecondsAsFoundationDoes() {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime]
        // Every day boundary and leap rule between 1960 and 2100, plus odd seconds of the day.
        var seconds = -315_619_200  // 1960-01-01
        while seconds < 4_102_444_800 {  // 2100-01-01
            for offset in [0, 1, 43_199, 86_399] {
                let date = Date(timeIntervalSince1970: Double(seconds + offset))
                #expect(KubeTime.format(date) == reference.string(from: date))
                #expect(KubeTime.parse(reference.string(from: date)) == date)
            }
            seconds += 86_400 * 13 + 7
        }
    }

    @Test func microTimeKeepsSixDigitsAndTruncates() throws {
        let date = Date(timeIntervalSince1970: 1_764_000_000.123456)
        let text = KubeTime.microTime(date)
        #expect(text == "2025-11-24T16:00:00.123456Z")
        let back = try #require(KubeTime.parse(text))
        #expect(abs(back.timeIntervalSince(date)) < 0.000_001)
        // Just below the next second stays in this one.
        #expect(KubeTime.microTime(Date(timeIntervalSince1970: 59.999_999_9)) == "1970-01-01T00:00:59.999999Z")
        #expect(KubeTime.format(Date(timeIntervalSince1970: 1.5), fractionDigits: 3) == "1970-01-01T00:00:01.500Z")
    }

    @Test(arguments: [
        ("2026-11-22T07:58:33Z", 1_795_334_313.0),
        ("2026-11-22T07:58:33.5Z", 1_795_334_313.5),
        ("2026-11-22t07:58:33z", 1_795_334_313.0),
        ("2026-11-22T09:58:33+02:00", 1_795_334_313.0),
        ("2026-11-22T02:28:33-05:30", 1_795_334_313.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
    ])
    func parsesOffsetsAndFractions(text: String, expected: Double) throws {
        let date = try #require(KubeTime.parse(text))
        #expect(abs(date.timeIntervalSince1970 - expected) < 0.000_001)
    }

    @Test(arguments: [
        "", "garbage", "2026-11-22", "2026-11-22T07:58:33", "2026-11-22 07:58:33Z", "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T07:60:00Z",
        "2026-11-22T07:58:60Z", "2026-11-22T07:58:33.Z", "2026-11-22T07:58:33+0200", "2026-11-22T07:58:33Zjunk",
        "2026-1-22T07:58:33Z", "+2026-11-22T07:58:33Z",
    ])
    func refusesWhatIsNotAnRFC3339Time(text: String) {
        #expect(KubeTime.parse(text) == nil, "\(text)")
    }
}
