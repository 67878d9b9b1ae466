import Synchronization

/// Whether this node was asked to stop. The background rounds that go over
/// a backlog check it before each request they would start (a notifier round
/// with a slow app kept sending for the whole grace, and the send the grace
/// cut reached the app unrecorded: the next node sent it again). One per
/// composition, told by every ``PeriodicService`` of it; a cron command's
/// never is. (A task-local value first: the release build crashed in
/// `swift_task_localValuePush` inside the service group.)
public final class ShutdownSignal: Sendable {
    private let requested = Atomic<Bool>(false)
    private let condition: @Sendable () -> Bool

    /// `condition`: stopping as soon as it holds as well (for tests).
    public init(when condition: @escaping @Sendable () -> Bool = { false }) {
        self.condition = condition
    }

    public var isRequested: Bool { requested.load(ordering: .relaxed) || condition() }

    public func request() { requested.store(true, ordering: .relaxed) }
}
