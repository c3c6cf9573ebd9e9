import Foundation
import ReconcileCLI

let code = await ReconcileCommand.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
