using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Comb.Checks.Policy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Comb.Server.Policies;

/// <summary>
/// The stored policies as scans apply them: the saved YAML with the policy's live exceptions appended to its
/// <c>exceptions</c> list, so the one policy loader and evaluator judge both. The revision names the policy revision
/// and a hash of the merged text, so it changes when an exception is added, changed or expires.
/// </summary>
public sealed class PolicyCatalog(PolicyStore store, TimeProvider time) : IPolicyCatalog
{
    public async Task<ResolvedPolicy?> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var policy = await store.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (policy is null)
        {
            // As on the command line, "default" is the built-in policy until one of that name is stored, so a
            // client-mode `comb scan --policy default` (the CI templates' default) works against any server.
            return name == PolicyLoader.DefaultName ? BuiltInDefault() : null;
        }

        var today = Today(time);
        var live = (await store.ExceptionsAsync(name, cancellationToken).ConfigureAwait(false)).Where(e => e.IsLive(today)).ToList();
        var yaml = Merge(policy.Yaml, live.Select(e => e.Fields));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)))[..12];
        return new ResolvedPolicy(name, yaml, $"{policy.Revision.ToString(CultureInfo.InvariantCulture)}-{hash}");
    }

    private static ResolvedPolicy BuiltInDefault()
    {
        var yaml = PolicyLoader.DefaultYaml;
        return new ResolvedPolicy(PolicyLoader.DefaultName, yaml, $"built-in-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)))[..12]}");
    }

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    /// <summary>Problems of a policy's own YAML, as FILE:LINE:COLUMN: message with the file named NAME.yaml.</summary>
    public static IReadOnlyList<string> Check(string name, string yaml) =>
        [.. PolicyLoader.Parse(yaml).Errors.Select(e => $"{name}.yaml:{e}")];

    /// <summary>Problems an exception would cause in a (valid) policy: unknown rule ids, bad globs or dates, no reason.</summary>
    public static IReadOnlyList<string> CheckException(string yaml, ExceptionFields exception, string label) =>
        [.. PolicyLoader.Parse(Merge(yaml, [exception])).Errors.Select(e => $"{label}: {e.Message}")];

    /// <summary>
    /// The problems of several exceptions, as <see cref="CheckException"/> gives them one at a time. The loader judges
    /// each exception on its own, so when all appended together cause none, none causes any: one parse for a policy's
    /// live exceptions instead of two per exception (the console's preview and save run this on every post).
    /// </summary>
    public static IReadOnlyList<string> CheckExceptions(string yaml, IReadOnlyList<(ExceptionFields Fields, string Label)> exceptions) =>
        exceptions.Count == 0 || PolicyLoader.Parse(Merge(yaml, exceptions.Select(e => e.Fields))).Errors.Count == 0 ? []
            : [.. exceptions.SelectMany(e => CheckException(yaml, e.Fields, e.Label))];

    /// <summary>The policy YAML with these exceptions appended (unchanged when there are none).</summary>
    public static string Merge(string yaml, IEnumerable<ExceptionFields> exceptions)
    {
        var entries = exceptions.ToList();
        if (entries.Count == 0)
        {
            return yaml;
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var key = new YamlScalarNode("exceptions");
        if (!root.Children.TryGetValue(key, out var node) || node is not YamlSequenceNode list)
        {
            list = new YamlSequenceNode();
            root.Children[key] = list;
        }

        foreach (var e in entries)
        {
            var entry = new YamlMappingNode();
            AddIfSet(entry, "id", e.Finding);
            AddIfSet(entry, "package", e.Package);
            AddIfSet(entry, "image", e.Image);
            if (e.Rules is { Count: > 0 } rules)
            {
                entry.Add("rules", new YamlSequenceNode(rules.Select(Quoted)));
            }

            if (e.Expires is { } expires)
            {
                entry.Add("expires", expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }

            AddIfSet(entry, "reason", e.Reason);
            list.Add(entry);
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static void AddIfSet(YamlMappingNode entry, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            entry.Add(key, Quoted(value.Trim()));
        }
    }

    private static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };
}
