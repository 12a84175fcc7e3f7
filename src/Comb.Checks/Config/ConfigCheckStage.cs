using Comb.Checks.Dockerfile;
using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>Runs the image configuration checks and, when a Dockerfile is given, the Dockerfile lint.</summary>
public sealed class ConfigCheckStage : IScanStage
{
    private readonly TimeProvider _clock;

    public ConfigCheckStage(TimeProvider clock)
    {
        _clock = clock;
    }

    public string Id => "config-checks";

    public int Order => 200;

    public bool IsEnabled(ScanOptions options) => options.IsEnabled(Scanners.Config);

    public async Task RunAsync(ScanContext context, CancellationToken cancellationToken)
    {
        var findings = new List<ConfigFinding>(context.Misconfigurations);
        findings.AddRange(new ImageChecks(EolTable.Default, _clock.GetUtcNow()).Run(context.Inventory, context.Options));

        if (context.Options.Dockerfile is { } path)
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CombInputException($"Cannot read Dockerfile {path}: {e.Message}", e);
            }

            findings.AddRange(DockerfileLinter.Lint(DockerfileParser.Parse(text)));
        }

        context.Misconfigurations = findings;
    }
}
