using Comb.Contracts;
using Comb.Checks.Policy;
using YamlDotNet.RepresentationModel;

namespace Comb.Checks.Trust;

/// <summary>Reads a trust section (its own file, or the `trust:` key of the main policy).</summary>
internal static class TrustPolicyReader
{
    public static TrustPolicy Read(YamlMappingNode node, YamlReader reader, string? baseDirectory)
    {
        var fields = reader.Fields(node, "trust", "registries", "base-images", "keys");
        var registries = reader.Strings(fields, "registries").Select(p => new Glob(p)).ToList();
        var bases = new List<TrustedBase>();
        if (fields.TryGetValue("base-images", out var baseField))
        {
            if (baseField.Value is YamlSequenceNode seq)
            {
                foreach (var item in seq)
                {
                    if (item is not YamlMappingNode map)
                    {
                        reader.Error(item, "each base image must be a mapping with name and digest or diff-ids");
                        continue;
                    }

                    var f = reader.Fields(map, "base image", "name", "digest", "diff-ids");
                    var name = reader.String(f, "name", required: true, owner: map) ?? "?";
                    var digest = reader.String(f, "digest");
                    var diffIds = reader.Strings(f, "diff-ids");
                    if (digest is null && diffIds.Count == 0)
                    {
                        reader.Error(map, $"base image '{name}' needs a digest or diff-ids");
                    }

                    foreach (var d in (digest is null ? [] : new[] { digest }).Concat(diffIds))
                    {
                        if (!IsDigest(d))
                        {
                            reader.Error(map, $"'{d}' is not a sha256:<64 hex> digest");
                        }
                    }

                    bases.Add(new TrustedBase { Name = name, Digest = digest, DiffIds = diffIds });
                }
            }
            else
            {
                reader.Error(baseField.Value, "'base-images' must be a list");
            }
        }

        var keys = new List<TrustedKey>();
        if (fields.TryGetValue("keys", out var keyField))
        {
            if (keyField.Value is YamlSequenceNode seq)
            {
                foreach (var item in seq)
                {
                    if (item is not YamlMappingNode map)
                    {
                        reader.Error(item, "each key must be a mapping with name and path or pem");
                        continue;
                    }

                    var f = reader.Fields(map, "key", "name", "path", "pem");
                    var path = reader.String(f, "path");
                    var pem = reader.String(f, "pem");
                    var name = reader.String(f, "name") ?? path ?? "inline key";
                    if ((path is null) == (pem is null))
                    {
                        reader.Error(map, $"key '{name}' needs exactly one of 'path' or 'pem'");
                        continue;
                    }

                    if (path is not null)
                    {
                        var full = Path.IsPathRooted(path) || baseDirectory is null ? path : Path.Combine(baseDirectory, path);
                        try
                        {
                            pem = File.ReadAllText(full);
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            reader.Error(f["path"].Value, $"cannot read key file '{path}': {e.Message}");
                            continue;
                        }
                    }

                    try
                    {
                        _ = Signing.PublicKeys.Parse(pem!);
                    }
                    catch (Contracts.CombInputException e)
                    {
                        reader.Error(map, $"key '{name}': {e.Message}");
                        continue;
                    }

                    keys.Add(new TrustedKey { Name = name, Pem = pem! });
                }
            }
            else
            {
                reader.Error(keyField.Value, "'keys' must be a list");
            }
        }

        return new TrustPolicy { Registries = registries, BaseImages = bases, Keys = keys };
    }

    private static bool IsDigest(string text) =>
        text.StartsWith("sha256:", StringComparison.Ordinal) && text.Length == 71 && text[7..].All(char.IsAsciiHexDigitLower);
}
