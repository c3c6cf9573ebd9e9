import Foundation

/// The ids (GitHub delivery ids, generic-scheme nonces) seen lately, with when: bounded in
/// count, oldest forgotten first, so a flood of signed calls cannot grow memory without end.
/// Not thread-safe: `WebhookVerifier` keeps it behind a lock.
struct RecentIDs: Sendable {
    let capacity: Int
    /// How long an id is remembered, at most.
    let window: TimeInterval
    private var seenAt: [String: Date] = [:]
    /// Ids in the order they were first seen (which is time order: the clock is only asked here).
    private var order: [String] = []
    private var head = 0

    init(capacity: Int, window: TimeInterval) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.window = window
    }

    var count: Int { seenAt.count }

    /// Records `id` at `now`; false when it was already seen within the window (a replay).
    mutating func insert(_ id: String, now: Date) -> Bool {
        expire(now: now)
        if seenAt[id] != nil { return false }
        seenAt[id] = now
        order.append(id)
        while seenAt.count > capacity { dropOldest() }
        return true
    }

    private mutating func expire(now: Date) {
        while head < order.count, let time = seenAt[order[head]], now.timeIntervalSince(time) >= window { dropOldest() }
    }

    private mutating func dropOldest() {
        seenAt[order[head]] = nil
        head += 1
        // Compact now and then, so `order` stays about `capacity` long.
        if head > capacity {
            order.removeFirst(head)
            head = 0
        }
    }
}
