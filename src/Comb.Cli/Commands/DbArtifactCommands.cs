using System.CommandLine;
using System.Globalization;
using Comb.Engine.Database;
using Comb.VulnDb.Database;

namespace Comb.Cli.Commands;

/// <summary>--insecure-registry, --username and --password for comb db push and comb db update --repository.</summary>
internal sealed class DbRegistryOptions
{
    public Option<bool> Insecure { get; } = new("--insecure-registry") { Description = "Allow plain HTTP and self-signed TLS for the registry" };
    public Option<string?> Username { get; } = new("--username") { Description = "Registry user name (or $COMB_USERNAME, or ~/.docker/config.json)" };
    public Option<string?> Password { get; } = new("--password") { Description = "Registry password or token (or $COMB_PASSWORD)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Insecure);
        command.Options.Add(Username);
        command.Options.Add(Password);
    }

    public AdvisoryDbRegistryOptions Of(ParseResult parse) => new()
    {
        Insecure = parse.GetValue(Insecure),
        Username = parse.GetValue(Username),
        Password = parse.GetValue(Password),
    };
}

/// <summary>comb db push REF and comb db update --repository REF: the advisory database through a registry.</summary>
internal static class DbArtifactCommands
{
    public static async Task<int> PushAsync(string reference, string? dbPath, string? cacheDir, AdvisoryDbRegistryOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var path = AdvisoryDbLocation.Resolve(dbPath, cacheDir);
        var digest = await new AdvisoryDbRegistry().PushAsync(path, reference, options, cancellationToken);
        await output.WriteLineAsync($"advisory database pushed: {reference}@{digest}");
        return Contracts.ExitCodes.Success;
    }

    public static async Task<int> PullAsync(IReadOnlyList<string> references, string? dbPath, string? cacheDir, AdvisoryDbRegistryOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var path = AdvisoryDbLocation.Resolve(dbPath, cacheDir);
        var (reference, digest, info) = await new AdvisoryDbRegistry().PullAsync(references, path, options, output, cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"advisory database updated from {reference}@{digest}: {info.Path} ({info.VersionLabel}, {info.AdvisoryCount} advisories)"));
        return Contracts.ExitCodes.Success;
    }
}
