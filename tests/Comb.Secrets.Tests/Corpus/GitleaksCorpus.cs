using System.Text.Json;
using System.Text.Json.Serialization;

namespace Comb.Secrets.Tests.Corpus;

/// <summary>The labelled gitleaks samples: per upstream rule, strings that must and must not be reported.</summary>
internal sealed record GitleaksCase
{
    [JsonPropertyName("rule_id")] public required string RuleId { get; init; }
    [JsonPropertyName("tp")] public List<string> Tp { get; init; } = [];
    [JsonPropertyName("fp")] public List<string> Fp { get; init; } = [];
    [JsonPropertyName("tp_paths")] public List<PathCase> TpPaths { get; init; } = [];
    [JsonPropertyName("fp_paths")] public List<PathCase> FpPaths { get; init; } = [];

    public static IReadOnlyList<GitleaksCase> Load(string file) =>
        JsonSerializer.Deserialize<List<GitleaksCase>>(File.ReadAllText(file)) ?? [];
}

internal sealed record PathCase
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("content")] public string Content { get; init; } = "";
}

/// <summary>
/// Which of our rules stands for each upstream rule. Most keep the upstream name; the rest are listed.
/// "*" means any of our rules may report it (the upstream rule is itself a catch-all).
/// </summary>
internal static class GitleaksRuleMap
{
    private static readonly Dictionary<string, string[]> Renamed = new(StringComparer.Ordinal)
    {
        ["aws-access-token"] = ["aws-access-key-id"],
        ["aws-amazon-bedrock-api-key-long-lived"] = ["aws-bedrock-api-key"],
        ["aws-amazon-bedrock-api-key-short-lived"] = ["aws-bedrock-short-lived-key"],
        ["airtable-personnal-access-token"] = ["airtable-pat"],
        ["authress-service-client-access-key"] = ["authress-access-key"],
        ["clickhouse-cloud-api-secret-key"] = ["clickhouse-cloud-api-secret"],
        ["cloudflare-api-key"] = ["cloudflare-api-token"],
        ["github-oauth"] = ["github-oauth-token"],
        ["gitlab-ptt"] = ["gitlab-pipeline-trigger-token"],
        ["gitlab-rrt"] = ["gitlab-runner-registration-token"],
        ["gitlab-runner-authentication-token"] = ["gitlab-runner-token"],
        ["gitlab-runner-authentication-token-routable"] = ["gitlab-runner-token-routable"],
        ["gitlab-feature-flag-client-token"] = ["gitlab-feature-flag-token"],
        ["gitlab-kubernetes-agent-token"] = ["gitlab-agent-token"],
        ["shopify-private-app-access-token"] = ["shopify-private-app-token"],
        ["stripe-access-token"] = ["stripe-secret-key"],
        ["telegram-bot-api-token"] = ["telegram-bot-token"],
        ["yandex-access-token"] = ["yandex-iam-token"],
        ["sourcegraph-access-token"] = ["sourcegraph-access-token", "sourcegraph-token-assignment"],
        ["pkcs12-file"] = ["keystore-file"],
        ["generic-api-key"] = ["*"],
    };

    public static IReadOnlyList<string> OursFor(string upstream) =>
        Renamed.TryGetValue(upstream, out var ours) ? ours : [upstream];

    public static bool Matches(IReadOnlyList<string> ours, string ruleId) =>
        ours.Contains("*") || ours.Contains(ruleId);
}
