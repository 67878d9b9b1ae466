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

            Every command is one `ledger` subcommand and prints its help with `--help`. Those
            that open a ledger take `--db PATH` (a SQLite file or a `postgres://` URL; default
            `LEDGER_DB`, else `./ledger.sqlite`); `sign`, `send` and `check-proof` open none.
            This page is that help, command by command.


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

    /// On an 80-column terminal each command's explanation reads as written:
    /// a line longer than the terminal would be re-wrapped into a ragged one
    /// and a short one, and an example would break mid-command.
    @Test func everyExplanationFitsAnEightyColumnTerminal() async throws {
        let commands = [[]] + Ledger.configuration.subcommands.map { [$0.configuration.commandName ?? ""] }
        for command in commands {
            let narrow = try await LedgerBinary.run(["help"] + command, environment: ["COLUMNS": "80"]).stdout
            let wide = try await LedgerBinary.run(["help"] + command, environment: ["COLUMNS": "200"]).stdout
            #expect(Self.explanation(narrow) == Self.explanation(wide), "ledger help \(command.joined()) is re-wrapped at 80 columns")
        }
    }

    /// The text between the overview and the usage line.
    static func explanation(_ help: String) -> String {
        let paragraphs = help.components(separatedBy: "\n\n")
        return paragraphs.dropFirst().prefix { !$0.hasPrefix("USAGE:") }.joined(separator: "\n\n")
    }

    static func help(_ command: [String]) async throws -> String {
        let output = try await LedgerBinary.run(["help"] + command, environment: ["COLUMNS": "100"])
        let body = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return "```text\n\(body)\n```\n"
    }
}
