import Foundation
import LedgerTesting
import Testing

/// docs/proofs.md's tour, read from the page and run by bash in an empty
/// folder holding the demo log, so the page cannot rot: a refund proven to a
/// customer who holds only the verifier key, and a consistency proof from an
/// older checkpoint. `swift run ledger` is the built binary.
@Suite struct ProofsTourTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func aRefundAndAConsistencyProofCheckByCopyAndPaste() async throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/proofs.md"), encoding: .utf8)
        let tour = try #require(ReadmeTourTests.block(after: "<!-- proofs tour", in: page), "docs/proofs.md has no tour block")
        let folder = URL(fileURLWithPath: Fixtures.temporaryDatabasePath()).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("docs/examples"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("docs/examples/demo.jsonl"),
                                         to: folder.appendingPathComponent("docs/examples/demo.jsonl"))
        let script = "set -euo pipefail\ncd '\(folder.path)'\n" + ReadmeTourTests.local(tour, port: 0)
        let run = try await offPool { try ReadmeTourTests.bash(script) }
        #expect(run.status == 0, "the tour failed:\n\(run.output)")
        #expect(run.output.components(separatedBy: "ok: the proof holds").count == 4, "three proofs hold: \(run.output)")
        #expect(run.output.contains("event at position 11 (credit.refunded): in the tree of size 17"), "\(run.output)")
        #expect(run.output.contains("the tree of size 18 extends the tree of size 17"), "\(run.output)")
    }
}
