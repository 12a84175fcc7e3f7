using System.CommandLine;
using System.Globalization;
using Comb.Contracts;
using Comb.Malware.WebShells;

namespace Comb.Cli.Commands;

/// <summary>comb train webshell DATA: reproduces the shipped web-shell model from a labelled corpus.</summary>
internal static class TrainCommands
{
    public static Command Build()
    {
        var train = new Command("train", "Train Comb's models");
        var webshell = new Command("webshell", "Train the web-shell classifier from a corpus (webshells/<lang>/*.zip, benign/<lang>/*.zip with manifest.csv)");
        var data = new Argument<string>("DATA") { Description = "Corpus directory" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the model", DefaultValueFactory = _ => "webshell-model.zip" };
        var apps = new Option<string?>("--apps") { Description = "Unpacked real applications (<dir>/train/<package>/...): their train split is added as benign samples" };
        var holdOut = new Option<string?>("--hold-out") { Description = "File naming corpus sources (one per line) left out of training" };
        webshell.Arguments.Add(data);
        webshell.Options.Add(output);
        webshell.Options.Add(apps);
        webshell.Options.Add(holdOut);
        webshell.SetAction(async (parse, ct) =>
        {
            var corpus = parse.GetValue(data)!;
            if (!Directory.Exists(corpus))
            {
                throw new CombInputException($"corpus directory not found: {corpus}", CombErrorKind.NotFound);
            }

            var holdOutFile = parse.GetValue(holdOut);
            var report = await WebShellTrainer.TrainAsync(corpus, parse.GetValue(output)!, ct, parse.GetValue(apps), holdOutFile is null ? null : HoldOut.Load(holdOutFile));
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"trained on {report.Samples} samples ({report.WebShells} web shells, {report.Benign} benign); model written to {report.ModelPath}");
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"thresholds (critical/evidence/none/yara): {report.Thresholds.Describe()}{(report.YaraCalibrated ? "" : "; YARA threshold not calibrated (no yara/ rules or no libyara)")}");
            if (report.ApplicationFilesFlaggedOutOfFold.Count > 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("application files flagged out of fold (unseen applications) at these thresholds: " +
                    string.Join("; ", report.ApplicationFilesFlaggedOutOfFold.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Language.Name()} {a.Flagged}/{a.Files} ({a.Rate:P3})"))));
            }

            if (report.WebShellsFoundOutOfFold.Count > 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("web shells found out of fold at these thresholds: " +
                    string.Join("; ", report.WebShellsFoundOutOfFold.Select(w => $"{w.Language.Name()} {w.Found}/{w.WebShells}")));
            }

            if (report.HighestApplicationFilesOutOfFold.Count > 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("application files with the highest out-of-fold scores (they hold the thresholds up):");
                foreach (var file in report.HighestApplicationFilesOutOfFold)
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"  {file.Language.Name()} p={file.Probability:0.000} {file.Level.ToString().ToLowerInvariant()} {file.Name}"));
                }
            }

            return ExitCodes.Success;
        });
        train.Subcommands.Add(webshell);
        return train;
    }
}
