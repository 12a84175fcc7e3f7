using System.CommandLine;
using System.Globalization;
using Comb.Checks.Commands;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;
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

/// <summary>--key for comb db push (a private key that signs) and comb db update (public keys a pulled database must be signed by).</summary>
internal static class DbSigningOptions
{
    /// <summary>The configured public key(s) when --key is not given: paths separated by commas.</summary>
    public const string KeyVariable = "COMB_DB_KEY";

    public static Option<string?> SigningKey() => new("--key")
    {
        Description = "Sign the pushed artifact (cosign-compatible, tag sha256-<digest>.sig) with this PEM private key: PKCS#8, SEC1, PKCS#1 or cosign's encrypted key ($COSIGN_PASSWORD)",
    };

    public static Option<string[]> TrustedKeys() => new("--key")
    {
        Description = $"With --repository: accept only a database signed by this PEM public key (repeat for several; default ${KeyVariable}, comma-separated paths)",
    };

    public static SigningKey? ReadSigningKey(string? path) =>
        path is null ? null : SigningKeys.Parse(ReadKey(path, "private key"), Environment.GetEnvironmentVariable(TrustCommandHandlers.PasswordVariable));

    /// <summary>--key values, else the paths in $COMB_DB_KEY, each parsed as a public key.</summary>
    public static IReadOnlyList<(string Name, VerificationKey Key)> ReadTrustedKeys(string[]? paths)
    {
        var chosen = paths is { Length: > 0 }
            ? paths
            : (Environment.GetEnvironmentVariable(KeyVariable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return [.. chosen.Select(p => (Path.GetFileName(p), PublicKeys.Parse(ReadKey(p, "public key"))))];
    }

    private static string ReadKey(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CombInputException($"cannot read {what} {path}: {e.Message}", e);
        }
    }
}

/// <summary>comb db push REF and comb db update --repository REF: the advisory database through a registry.</summary>
internal static class DbArtifactCommands
{
    public static async Task<int> PushAsync(string reference, string? dbPath, string? cacheDir, AdvisoryDbRegistryOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var path = AdvisoryDbLocation.Resolve(dbPath, cacheDir);
        var digest = await new AdvisoryDbRegistry().PushAsync(path, reference, options, cancellationToken);
        await output.WriteLineAsync($"advisory database pushed: {reference}@{digest}");
        if (options.SigningKey is { } key)
        {
            await output.WriteLineAsync($"signed ({key.Algorithm}, {key.PublicKey().Fingerprint}): {SignatureTags.For(digest)}");
        }

        return Contracts.ExitCodes.Success;
    }

    public static async Task<int> PullAsync(IReadOnlyList<string> references, string? dbPath, string? cacheDir, AdvisoryDbRegistryOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var path = AdvisoryDbLocation.Resolve(dbPath, cacheDir);
        var (reference, digest, info) = await new AdvisoryDbRegistry().PullAsync(references, path, options, output, cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"advisory database updated from {reference}@{digest}: {info.Path} ({info.VersionLabel}, {info.AdvisoryCount} advisories)"));
        if (options.TrustedKeys.Count > 0)
        {
            await output.WriteLineAsync($"signature valid ({string.Join(", ", options.TrustedKeys.Select(k => k.Name))})");
        }

        return Contracts.ExitCodes.Success;
    }
}
