using System.IO.Compression;
using Comb.Contracts;

namespace Comb.VulnDb.Feeds;

/// <summary>
/// Loads a feed directory laid out like the public mirrors: <c>osv/&lt;Ecosystem&gt;/all.zip</c>,
/// <c>debian/{DSA,DLA}/list</c>, <c>alpine-secdb/v3.N/{main,community}.{json,yaml}</c>, <c>kev/known_exploited_vulnerabilities.json</c>,
/// <c>secrets/gitleaks.toml</c> (a secret scanner's rule set, read for its published values). Several directories,
/// or a rule-set file given by itself, are read into one collection.
/// </summary>
internal static class FeedDirectoryReader
{
    public const string KevFile = "known_exploited_vulnerabilities.json";
    public const string SecretRulesFile = "gitleaks.toml";
    public const string PublishedSecretsSource = "published-secret-values";

    public static Task<AdvisoryCollection> ReadAsync(string root, IPublishedSecretValueReader? secretValues, CancellationToken cancellationToken) =>
        ReadAsync([root], secretValues, cancellationToken);

    /// <summary>Reads the feeds; a secret rule set needs <paramref name="secretValues"/> (the secret scanner's reader).</summary>
    public static async Task<AdvisoryCollection> ReadAsync(IReadOnlyList<string> paths, IPublishedSecretValueReader? secretValues, CancellationToken cancellationToken)
    {
        var collection = new AdvisoryCollection();
        foreach (var path in paths)
        {
            if (File.Exists(path) && path.EndsWith(".toml", StringComparison.OrdinalIgnoreCase))
            {
                await ReadSecretRulesAsync(path, secretValues, collection, cancellationToken);
                continue;
            }

            if (File.Exists(path))
            {
                throw new Contracts.CombInputException($"{path}: not a feed directory, nor a secret rule file (.toml)");
            }

            if (!Directory.Exists(path))
            {
                throw new Contracts.CombInputException($"feed directory not found: {path}");
            }

            if (await ReadDirectoryAsync(path, secretValues, collection, cancellationToken) == 0)
            {
                throw new Contracts.CombInputException(
                    $"no advisory feeds in {path}: expected osv/<Ecosystem>/all.zip, debian/, alpine-secdb/, kev/ or secrets/{SecretRulesFile}");
            }
        }

        return collection;
    }

    private static async Task<int> ReadDirectoryAsync(string root, IPublishedSecretValueReader? secretValues, AdvisoryCollection collection, CancellationToken cancellationToken)
    {
        var found = 0;
        var osv = Path.Combine(root, "osv");
        if (Directory.Exists(osv))
        {
            foreach (var dir in Directory.EnumerateDirectories(osv).Order(StringComparer.Ordinal))
            {
                var zip = Path.Combine(dir, "all.zip");
                if (File.Exists(zip))
                {
                    ReadOsvZip(zip, "osv:" + Path.GetFileName(dir), collection, cancellationToken);
                    found++;
                }
            }
        }

        foreach (var kind in (ReadOnlySpan<string>)["DSA", "DLA"])
        {
            var list = Path.Combine(root, "debian", kind, "list");
            if (File.Exists(list))
            {
                using var reader = new StreamReader(list);
                foreach (var advisory in DebianTrackerParser.Parse(reader))
                {
                    collection.Add(advisory, DebianTrackerParser.FeedSource);
                }

                found++;
            }
        }

        var cveList = Path.Combine(root, "debian", "CVE", "list");
        if (File.Exists(cveList))
        {
            using var reader = new StreamReader(cveList);
            foreach (var advisory in DebianTrackerParser.ParseCveList(reader))
            {
                collection.Add(advisory, DebianTrackerParser.FeedSource);
            }

            found++;
        }

        var secdb = Path.Combine(root, "alpine-secdb");
        if (Directory.Exists(secdb))
        {
            ReadAlpine(secdb, collection, cancellationToken);
            found++;
        }

        var kev = Path.Combine(root, "kev", KevFile);
        if (File.Exists(kev))
        {
            await using var stream = File.OpenRead(kev);
            var (entries, released) = KevParser.Parse(stream);
            collection.AddKev(entries, released);
            found++;
        }

        var secretRules = Path.Combine(root, "secrets", SecretRulesFile);
        if (File.Exists(secretRules))
        {
            await ReadSecretRulesAsync(secretRules, secretValues, collection, cancellationToken);
            found++;
        }

        return found;
    }

    private static async Task ReadSecretRulesAsync(string path, IPublishedSecretValueReader? secretValues, AdvisoryCollection collection, CancellationToken cancellationToken)
    {
        if (secretValues is null)
        {
            throw new InvalidOperationException($"{path}: a secret rule set is imported only with the secret scanner's reader ({nameof(IPublishedSecretValueReader)})");
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken);
        collection.AddPublishedSecretValues(secretValues.Read(text, path), PublishedSecretsSource);
    }

    public static void ReadOsvZip(string path, string source, AdvisoryCollection collection, CancellationToken cancellationToken)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException ex)
        {
            throw new Contracts.CombInputException($"{source}: {Path.GetFileName(path)} is not a valid zip archive: {ex.Message}", ex);
        }

        using (archive)
        {
            var buffer = new MemoryStream();
            foreach (var entry in archive.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!entry.FullName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                buffer.SetLength(0);
                try
                {
                    using (var s = entry.Open())
                    {
                        s.CopyTo(buffer);
                    }

                    collection.Add(OsvRecordParser.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), source), source);
                }
                catch (InvalidDataException ex)
                {
                    throw new Contracts.CombInputException($"{source}: {Path.GetFileName(path)} is damaged at {entry.FullName}: {ex.Message}", ex);
                }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException)
                {
                    collection.Warnings.Add($"{source}: skipped {entry.FullName}: {ex.Message}");
                }
            }
        }
    }

    private static void ReadAlpine(string secdb, AdvisoryCollection collection, CancellationToken cancellationToken)
    {
        var fixes = new List<AlpineSecDbParser.SecFix>();
        foreach (var release in Directory.EnumerateDirectories(secdb).Order(StringComparer.Ordinal))
        {
            foreach (var repo in (ReadOnlySpan<string>)["main", "community"])
            {
                cancellationToken.ThrowIfCancellationRequested();
                var json = Path.Combine(release, repo + ".json");
                var yaml = Path.Combine(release, repo + ".yaml");
                try
                {
                    if (File.Exists(json))
                    {
                        using var stream = File.OpenRead(json);
                        fixes.AddRange(AlpineSecDbParser.ParseJson(stream));
                    }
                    else if (File.Exists(yaml))
                    {
                        using var reader = new StreamReader(yaml);
                        fixes.AddRange(AlpineSecDbParser.ParseYaml(reader));
                    }

                }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or YamlDotNet.Core.YamlException)
                {
                    collection.Warnings.Add($"{AlpineSecDbParser.FeedSource}: skipped {Path.GetFileName(release)}/{repo}: {ex.Message}");
                }
            }
        }

        // secdb files carry no dates; the records get none rather than a download time.
        foreach (var advisory in AlpineSecDbParser.ToAdvisories(fixes, modified: null))
        {
            collection.Add(advisory, AlpineSecDbParser.FeedSource);
        }
    }
}
