import Foundation

/// Wakes requests waiting for a job to change (`GET /v1/jobs/{id}?wait=30s`).
///
/// A request subscribes (synchronously, before it reads the job, so no change
/// can slip between the read and the wait), then waits on its ticket. The
/// writer calls ``changed(_:)`` after each commit with the jobs it touched.
public final class ChangeSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var tickets: [String: [ObjectIdentifier: ChangeTicket]] = [:]
    private var ticketCount = 0
    /// Set on shutdown: every wait, open or new, ends at once.
    private var released = false
    /// Waiters allowed at once; past this, a wait returns at once (no change seen).
    public let ticketCountMax: Int

    public init(ticketCountMax: Int = 10_000) {
        precondition(ticketCountMax >= 1, "at least one waiter")
        self.ticketCountMax = ticketCountMax
    }

    public func subscribe(_ jobID: String) -> ChangeTicket {
        let ticket = ChangeTicket(jobID: jobID)
        let accepted = lock.withLock {
            guard !released, ticketCount < ticketCountMax else { return false }
            tickets[jobID, default: [:]][ObjectIdentifier(ticket)] = ticket
            ticketCount += 1
            return true
        }
        if !accepted { ticket.fire(false) }
        return ticket
    }

    /// True when the job changed within `timeout`, false when time ran out.
    public func wait(_ ticket: ChangeTicket, timeout: Duration) async -> Bool {
        let changed = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await ticket.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                ticket.fire(false)
                return false
            }
            let first = await group.next() ?? false
            ticket.fire(false)
            group.cancelAll()
            return first
        }
        unsubscribe(ticket)
        return changed
    }

    /// Ends every wait now and every later one at once (shutdown: long polls
    /// are answered with the job as it is instead of holding the exit).
    public func releaseAll() {
        let woken: [ChangeTicket] = lock.withLock {
            released = true
            defer { tickets = [:]; ticketCount = 0 }
            return tickets.values.flatMap(\.values)
        }
        for ticket in woken { ticket.fire(false) }
    }

    /// Wakes every waiter, as if each job changed: after changes may have
    /// been missed (another node's, while a listener reconnected).
    public func changedAll() {
        let woken: [ChangeTicket] = lock.withLock {
            defer { tickets = [:]; ticketCount = 0 }
            return tickets.values.flatMap(\.values)
        }
        for ticket in woken { ticket.fire(true) }
    }

    /// Wakes every ticket on these jobs.
    public func changed(_ jobIDs: some Sequence<String>) {
        var woken: [ChangeTicket] = []
        lock.withLock {
            for jobID in jobIDs {
                guard let waiting = tickets.removeValue(forKey: jobID) else { continue }
                woken += waiting.values
                ticketCount -= waiting.count
            }
        }
        for ticket in woken { ticket.fire(true) }
    }

    private func unsubscribe(_ ticket: ChangeTicket) {
        lock.withLock {
            guard tickets[ticket.jobID]?.removeValue(forKey: ObjectIdentifier(ticket)) != nil else { return }
            ticketCount -= 1
            if tickets[ticket.jobID]?.isEmpty == true { tickets[ticket.jobID] = nil }
        }
    }
}

/// One waiter: fired once, with true (changed) or false (timed out), and
/// waitable before or after it fired.
public final class ChangeTicket: @unchecked Sendable {
    let jobID: String
    private let lock = NSLock()
    private var result: Bool?
    private var continuation: CheckedContinuation<Bool, Never>?

    init(jobID: String) { self.jobID = jobID }

    func fire(_ value: Bool) {
        let waiting: CheckedContinuation<Bool, Never>? = lock.withLock {
            guard result == nil else { return nil }
            result = value
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
    }

    func wait() async -> Bool {
        await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
            let ready: Bool? = lock.withLock {
                if let result { return result }
                continuation = waiter
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }
}
