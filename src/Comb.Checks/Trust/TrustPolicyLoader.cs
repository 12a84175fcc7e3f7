using Comb.Checks.Policy;
using Comb.Contracts;
using YamlDotNet.RepresentationModel;

namespace Comb.Checks.Trust;

/// <summary>
/// Loads a trust policy file. The file holds the trust keys (registries, base-images, keys) either at the top level or
/// under a `trust:` key, so the main policy file can also be given as the trust policy.
/// </summary>
public static class TrustPolicyLoader
{
    public static TrustPolicy Parse(string text, string? baseDirectory, out IReadOnlyList<PolicyError> errors)
    {
        var reader = new YamlReader();
        errors = reader.Errors;
        var root = YamlReader.LoadRoot(text, reader.Errors);
        if (root is null)
        {
            return new TrustPolicy();
        }

        if (root.Children.Count == 1 && root.Children.Keys.Single() is YamlScalarNode { Value: "trust" } && root.Children.Values.Single() is YamlMappingNode inner)
        {
            root = inner;
        }
        else if (root.Children.ContainsKey(new YamlScalarNode("rules")))
        {
            var policy = PolicyLoader.Parse(text, baseDirectory);
            errors = policy.Errors;
            return policy.Policy?.Trust ?? new TrustPolicy();
        }

        return TrustPolicyReader.Read(root, reader, baseDirectory);
    }

    public static async Task<TrustPolicy> LoadFileAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CombInputException($"Cannot read trust policy {path}: {e.Message}", e);
        }

        var policy = Parse(text, Path.GetDirectoryName(Path.GetFullPath(path)), out var errors);
        if (errors.Count > 0)
        {
            throw new CombInputException($"Invalid trust policy {path}:" + Environment.NewLine
                + string.Join(Environment.NewLine, errors.Select(e => $"  {path}:{e}")));
        }

        return policy;
    }
}
