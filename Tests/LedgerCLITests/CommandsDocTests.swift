import Foundation
@testable import LedgerCLI
import Testing

/// docs/commands.md is every command's `--help`, so the reference cannot
/// disagree with the binary. `LEDGER_WRITE_DOCS=1 swift test --filter
/// CommandsDocTests` rewrites it after a command changes.
@Suite struct CommandsDocTests {
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/commands.md")

    @Test func theCommandReferenceIsTheBinarysHelp() async throws {
        var text = """
            # Commands

            <!-- Generated from `ledger help <command>` by CommandsDocTests: run
            LEDGER_WRITE_DOCS=1 swift test --filter CommandsDocTests after changing a command. -->

            Every command is one `ledger` subcommand; each takes `--db PATH` (a SQLite file or a
            `postgres://` URL; default `LEDGER_DB`, else `./ledger.sqlite`) and prints its
            help with `--help`. This page is that help, command by command.


            """
        text += try await Self.help([])
        for command in Ledger.configuration.subcommands {
            let name = command.configuration.commandName ?? ""
            text += "\n## ledger \(name)\n\n" + (try await Self.help([name]))
        }
        if ProcessInfo.processInfo.environment["LEDGER_WRITE_DOCS"] == "1" {
            try text.write(to: Self.page, atomically: true, encoding: .utf8)
        }
        let written = (try? String(contentsOf: Self.page, encoding: .utf8)) ?? ""
        #expect(written == text, "docs/commands.md is not the binary's help: LEDGER_WRITE_DOCS=1 swift test --filter CommandsDocTests")
    }

    static func help(_ command: [String]) async throws -> String {
        let output = try await LedgerBinary.run(["help"] + command, environment: ["COLUMNS": "100"])
        let body = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return "```text\n\(body)\n```\n"
    }
}
