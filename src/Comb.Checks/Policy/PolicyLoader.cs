using Comb.Checks.Trust;
using Comb.Contracts;
using YamlDotNet.RepresentationModel;

namespace Comb.Checks.Policy;

/// <summary>The outcome of reading a policy: the document when valid, and every problem with its line.</summary>
public sealed record PolicyLoadResult(PolicyDocument? Policy, IReadOnlyList<PolicyError> Errors)
{
    public bool IsValid => Policy is not null && Errors.Count == 0;
}

/// <summary>Parses and validates policy YAML; see docs/policy.md for the format.</summary>
public static class PolicyLoader
{
    private static readonly string[] SelectorKeys = ["vulnerabilities", "secrets", "malware", "config", "trust"];

    public static PolicyDocument Default => LoadDefault();

    /// <summary>The --policy value that selects the built-in policy (policies/default.yaml), unless a file has that name.</summary>
    public const string DefaultName = "default";

    /// <summary>Whether a --policy value means the built-in policy.</summary>
    public static bool IsDefault(string nameOrPath) => nameOrPath == DefaultName && !File.Exists(nameOrPath);

    /// <summary>The built-in policy for <see cref="DefaultName"/>, else the policy file at that path.</summary>
    public static async Task<PolicyDocument> LoadAsync(string nameOrPath, CancellationToken cancellationToken) =>
        IsDefault(nameOrPath) ? Default : await LoadFileAsync(nameOrPath, cancellationToken).ConfigureAwait(false);

    public static PolicyLoadResult Parse(string text, string? baseDirectory = null)
    {
        var reader = new YamlReader();
        var root = YamlReader.LoadRoot(text, reader.Errors);
        if (root is null)
        {
            return new PolicyLoadResult(null, reader.Errors);
        }

        var fields = reader.Fields(root, "the policy", "name", "description", "rules", "exceptions", "trust");
        var name = reader.String(fields, "name") ?? "unnamed";
        var rules = new List<PolicyRule>();
        if (fields.TryGetValue("rules", out var rulesField))
        {
            if (rulesField.Value is YamlSequenceNode seq)
            {
                foreach (var item in seq)
                {
                    if (ReadRule(item, reader) is { } rule)
                    {
                        if (rules.Any(r => r.Id == rule.Id))
                        {
                            reader.Error(item, $"duplicate rule id '{rule.Id}'");
                        }

                        rules.Add(rule);
                    }
                }
            }
            else
            {
                reader.Error(rulesField.Value, "'rules' must be a list");
            }
        }
        else
        {
            reader.Error(root, "missing required key 'rules'");
        }

        var exceptions = new List<PolicyException>();
        if (fields.TryGetValue("exceptions", out var exField))
        {
            if (exField.Value is YamlSequenceNode seq)
            {
                foreach (var item in seq)
                {
                    if (ReadException(item, reader, rules) is { } exception)
                    {
                        exceptions.Add(exception);
                    }
                }
            }
            else if (exField.Value is not YamlScalarNode { Value: null or "" })
            {
                reader.Error(exField.Value, "'exceptions' must be a list");
            }
        }

        TrustPolicy? trust = null;
        if (fields.TryGetValue("trust", out var trustField))
        {
            if (trustField.Value is YamlMappingNode trustMap)
            {
                trust = TrustPolicyReader.Read(trustMap, reader, baseDirectory);
            }
            else
            {
                reader.Error(trustField.Value, "'trust' must be a mapping");
            }
        }

        var policy = new PolicyDocument { Name = name, Rules = rules, Exceptions = exceptions, Trust = trust };
        return new PolicyLoadResult(policy, reader.Errors);
    }

    /// <summary>Loads a policy file; invalid policies are a user error listing every problem with its line.</summary>
    public static async Task<PolicyDocument> LoadFileAsync(string path, CancellationToken cancellationToken) =>
        Valid(await CheckFileAsync(path, cancellationToken).ConfigureAwait(false), path);

    /// <summary>A policy given as content (a request's); <paramref name="name"/> names it in errors. Relative paths in it are not resolved.</summary>
    public static PolicyDocument LoadContent(string name, string content) => Valid(Parse(content), name);

    private static PolicyDocument Valid(PolicyLoadResult result, string path)
    {
        if (!result.IsValid)
        {
            throw new CombInputException($"Invalid policy {path}:" + Environment.NewLine
                + string.Join(Environment.NewLine, result.Errors.Select(e => $"  {path}:{e}")));
        }

        return result.Policy!;
    }

    public static async Task<PolicyLoadResult> CheckFileAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CombInputException($"Cannot read policy {path}: {e.Message}", e);
        }

        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    private static PolicyRule? ReadRule(YamlNode node, YamlReader reader)
    {
        if (node is not YamlMappingNode map)
        {
            reader.Error(node, "each rule must be a mapping with id, action and one of: " + string.Join(", ", SelectorKeys));
            return null;
        }

        var fields = reader.Fields(map, "a rule", ["id", "action", "description", .. SelectorKeys]);
        var id = reader.String(fields, "id", required: true, owner: map);
        var action = reader.String(fields, "action", required: true, owner: map);
        if (action is not null and not (PolicyActions.Warn or PolicyActions.Block))
        {
            reader.Error(fields["action"].Value, $"action must be 'warn' or 'block' (got '{action}')");
            action = null;
        }

        var present = SelectorKeys.Where(fields.ContainsKey).ToList();
        if (present.Count != 1)
        {
            reader.Error(map, present.Count == 0
                ? $"rule '{id}' needs one of: {string.Join(", ", SelectorKeys)}"
                : $"rule '{id}' has several kinds ({string.Join(", ", present)}); use one rule per kind");
            return null;
        }

        var kind = present[0];
        var body = fields[kind].Value;
        YamlMappingNode selectorMap;
        if (body is YamlMappingNode m)
        {
            selectorMap = m;
        }
        else if (body is YamlScalarNode { Value: null or "" or "{}" })
        {
            selectorMap = new YamlMappingNode();
        }
        else
        {
            reader.Error(body, $"'{kind}' must be a mapping of conditions (or {{}} for any)");
            return null;
        }

        RuleSelector selector = kind switch
        {
            "vulnerabilities" => ReadVuln(selectorMap, reader),
            "secrets" => ReadSecrets(selectorMap, reader),
            "malware" => ReadMalware(selectorMap, reader),
            "config" => ReadConfig(selectorMap, reader),
            _ => ReadTrust(selectorMap, reader),
        };

        if (id is null || action is null)
        {
            return null;
        }

        return new PolicyRule { Id = id, Action = action, Description = reader.String(fields, "description"), Selector = selector };
    }

    private static VulnerabilitySelector ReadVuln(YamlMappingNode map, YamlReader reader)
    {
        var f = reader.Fields(map, "vulnerabilities", "min-severity", "severities", "fixed-only", "kev-only", "min-cvss", "packages");
        return new VulnerabilitySelector
        {
            MinSeverity = reader.SeverityValue(f, "min-severity"),
            Severities = reader.Severities(f, "severities"),
            FixedOnly = reader.Bool(f, "fixed-only") ?? false,
            KevOnly = reader.Bool(f, "kev-only") ?? false,
            MinCvss = reader.Number(f, "min-cvss", 0, 10),
            Packages = reader.Strings(f, "packages").Select(p => new Glob(p)).ToList(),
        };
    }

    private static SecretSelector ReadSecrets(YamlMappingNode map, YamlReader reader)
    {
        var f = reader.Fields(map, "secrets", "min-severity", "rules");
        return new SecretSelector
        {
            MinSeverity = reader.SeverityValue(f, "min-severity"),
            Rules = reader.Strings(f, "rules").Select(p => new Glob(p, ignoreCase: true)).ToList(),
        };
    }

    private static MalwareSelector ReadMalware(YamlMappingNode map, YamlReader reader)
    {
        var f = reader.Fields(map, "malware", "min-severity", "categories");
        return new MalwareSelector
        {
            MinSeverity = reader.SeverityValue(f, "min-severity"),
            Categories = reader.Strings(f, "categories").Select(p => new Glob(p, ignoreCase: true)).ToList(),
        };
    }

    private static ConfigSelector ReadConfig(YamlMappingNode map, YamlReader reader)
    {
        var f = reader.Fields(map, "config", "min-severity", "checks");
        return new ConfigSelector
        {
            MinSeverity = reader.SeverityValue(f, "min-severity"),
            Checks = reader.Strings(f, "checks").Select(p => new Glob(p, ignoreCase: true)).ToList(),
        };
    }

    private static TrustSelector ReadTrust(YamlMappingNode map, YamlReader reader)
    {
        var f = reader.Fields(map, "trust", "untrusted", "signature-status");
        var statuses = reader.Strings(f, "signature-status");
        foreach (var s in statuses.Where(s => s is not ("valid" or "invalid" or "missing" or "not-checked")))
        {
            reader.Error(f["signature-status"].Value, $"unknown signature status '{s}' (valid, invalid, missing, not-checked)");
        }

        return new TrustSelector { Untrusted = reader.Bool(f, "untrusted") ?? true, SignatureStatus = statuses };
    }

    private static PolicyException? ReadException(YamlNode node, YamlReader reader, List<PolicyRule> rules)
    {
        if (node is not YamlMappingNode map)
        {
            reader.Error(node, "each exception must be a mapping with reason and at least one of id, package, image");
            return null;
        }

        var f = reader.Fields(map, "an exception", "id", "package", "image", "rules", "expires", "reason");
        var id = reader.String(f, "id");
        var package = reader.String(f, "package");
        var image = reader.String(f, "image");
        var reason = reader.String(f, "reason", required: true, owner: map);
        var ruleIds = reader.Strings(f, "rules");
        var expires = reader.Date(f, "expires");
        if (id is null && package is null && image is null)
        {
            reader.Error(map, "an exception needs at least one of id, package or image");
        }

        foreach (var ruleId in ruleIds.Where(r => rules.All(rule => rule.Id != r)))
        {
            reader.Error(f["rules"].Value, $"exception names unknown rule '{ruleId}'");
        }

        return reason is null ? null : new PolicyException
        {
            Id = id is null ? null : new Glob(id, ignoreCase: true),
            Package = package is null ? null : new Glob(package),
            Image = image is null ? null : new Glob(image),
            Rules = ruleIds,
            Expires = expires,
            Reason = reason,
            Line = (int)map.Start.Line,
        };
    }

    /// <summary>The built-in policy's YAML text (policies/default.yaml), for hosts that pass policies as text.</summary>
    public static string DefaultYaml => ReadDefaultYaml();

    private static string ReadDefaultYaml()
    {
        using var stream = typeof(PolicyLoader).Assembly.GetManifestResourceStream("Comb.Checks.default-policy.yaml")
            ?? throw new InvalidOperationException("Embedded default policy missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static PolicyDocument LoadDefault()
    {
        var result = Parse(ReadDefaultYaml());
        return result.IsValid ? result.Policy! : throw new InvalidOperationException("Embedded default policy is invalid: " + string.Join("; ", result.Errors));
    }
}
