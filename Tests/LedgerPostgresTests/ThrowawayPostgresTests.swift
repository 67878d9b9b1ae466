import Foundation
import LedgerTesting
import Testing

/// The tests' own PostgreSQL servers outlive the program that starts them
/// (`pg_ctl start`), so that program must hand them nothing but its standard
/// streams: a pipe another test had open at that moment stayed open in the
/// server, and the test reading it to its end waited for ever.
@Suite struct ThrowawayPostgresTests {
    @Test func aSpawnedProgramInheritsOnlyItsStandardStreams() throws {
        let pipe = Pipe()  // open across the spawn, as another test's would be
        let listed = try ThrowawayPostgres.run("/bin/ls", ["/proc/self/fd"])
        withExtendedLifetime(pipe) {}
        #expect(listed.status == 0)
        // ls itself opens the folder it lists as descriptor 3.
        #expect(listed.output.split(separator: "\n") == ["0", "1", "2", "3"], "\(listed.output)")
    }
}
