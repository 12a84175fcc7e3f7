using System.Globalization;
using Comb.Contracts;

namespace Comb.Checks.Policy;

/// <summary>Applies a policy to a scan's findings and decides pass, warn or block.</summary>
public sealed class PolicyEvaluator
{
    private readonly PolicyDocument _policy;
    private readonly DateOnly _today;

    public PolicyEvaluator(PolicyDocument policy, DateOnly today)
    {
        _policy = policy;
        _today = today;
    }

    /// <summary>A finding reduced to what rules and exceptions look at.</summary>
    private sealed record Candidate(string Text, IReadOnlyList<string> Ids, IReadOnlyList<string> Packages);

    public PolicyVerdict Evaluate(ScanContext context) => Evaluate(context.ToReport());

    /// <summary>Judges a report as presented: findings the user filtered out are not judged.</summary>
    public PolicyVerdict Evaluate(ScanReport report)
    {
        var active = _policy.Exceptions.Where(e => !e.IsExpired(_today)).ToList();
        var expired = _policy.Exceptions.Where(e => e.IsExpired(_today))
            .Select(e => $"line {e.Line}: exception for {e.Describe()} expired on {e.Expires:yyyy-MM-dd} and no longer applies ({e.Reason})")
            .ToList();
        var images = ImageNames(report.Image);
        var fired = new List<PolicyRuleResult>();
        var suppressed = new List<string>();
        foreach (var rule in _policy.Rules)
        {
            var matches = new List<string>();
            foreach (var candidate in Candidates(rule.Selector, report))
            {
                var exception = active.FirstOrDefault(e => Applies(e, rule, candidate, images));
                if (exception is null)
                {
                    matches.Add(candidate.Text);
                }
                else
                {
                    var until = exception.Expires is { } d ? $" until {d:yyyy-MM-dd}" : "";
                    suppressed.Add($"{rule.Id}: {candidate.Text} (exception{until}: {exception.Reason})");
                }
            }

            if (matches.Count > 0)
            {
                fired.Add(new PolicyRuleResult
                {
                    RuleId = rule.Id,
                    Action = rule.Action,
                    Message = rule.Description ?? $"{matches.Count.ToString(CultureInfo.InvariantCulture)} match(es) for {Describe(rule.Selector)}",
                    Matches = matches,
                });
            }
        }

        var decision = fired.Any(f => f.Action == PolicyActions.Block) ? "block"
            : fired.Count > 0 ? "warn"
            : "pass";
        return new PolicyVerdict { Decision = decision, PolicyName = _policy.Name, Fired = fired, Suppressed = suppressed, ExpiredExceptions = expired };
    }

    private static bool Applies(PolicyException e, PolicyRule rule, Candidate candidate, IReadOnlyList<string> images) =>
        (e.Rules.Count == 0 || e.Rules.Contains(rule.Id, StringComparer.Ordinal))
        && (e.Id is null || candidate.Ids.Any(e.Id.IsMatch))
        && (e.Package is null || candidate.Packages.Any(e.Package.IsMatch))
        && (e.Image is null || images.Any(e.Image.IsMatch));

    private static IEnumerable<Candidate> Candidates(RuleSelector selector, ScanReport report) => selector switch
    {
        VulnerabilitySelector s => report.Vulnerabilities.Where(v => Matches(s, v)).Select(v => new Candidate(
            $"{v.Id} in {v.PackageName} {v.InstalledVersion} ({v.Severity.ToUpperName()}{(v.FixedVersions.Count > 0 ? ", fixed in " + string.Join(", ", v.FixedVersions) : "")}{(v.KnownExploited ? ", known exploited" : "")})",
            [v.Id, .. v.Aliases], [v.PackageName, .. v.PackagePurl is null ? Array.Empty<string>() : [v.PackagePurl]])),
        SecretSelector s => report.Secrets.Where(x => AtLeast(x.Severity, s.MinSeverity) && (s.Rules.Count == 0 || Glob.Any(s.Rules, x.RuleId))).Select(x => new Candidate(
            $"{x.RuleId} ({x.Severity.ToUpperName()}) at {x.Path}{(x.Line is { } l ? ":" + l.ToString(CultureInfo.InvariantCulture) : "")}{(x.DeletedInLaterLayer ? " (deleted in a later layer)" : "")}",
            [x.RuleId], [x.Path])),
        MalwareSelector s => report.Malware.Where(x => AtLeast(x.Severity, s.MinSeverity) && (s.Categories.Count == 0 || Glob.Any(s.Categories, x.Category))).Select(x => new Candidate(
            $"{x.Category} {string.Join(", ", x.Signatures)} at {x.Path}",
            [.. x.Signatures, x.Category, x.Sha256], [x.Path])),
        ConfigSelector s => report.Misconfigurations.Where(x => AtLeast(x.Severity, s.MinSeverity) && (s.Checks.Count == 0 || Glob.Any(s.Checks, x.CheckId))).Select(x => new Candidate(
            $"{x.CheckId} at {x.Location}: {x.Message}", [x.CheckId], [x.Location])),
        TrustSelector s => TrustCandidates(s, report.Trust),
        _ => [],
    };

    private static IEnumerable<Candidate> TrustCandidates(TrustSelector s, TrustResult? trust)
    {
        if (trust is null)
        {
            yield break; // no trust policy configured: nothing to judge
        }

        if ((s.Untrusted && !trust.Trusted) || s.SignatureStatus.Contains(trust.SignatureStatus, StringComparer.Ordinal))
        {
            var why = string.Join("; ", trust.Reasons);
            yield return new Candidate($"image is {(trust.Trusted ? "trusted" : "not trusted")}, signature {trust.SignatureStatus}: {why}", ["trust"], []);
        }
    }

    private static bool Matches(VulnerabilitySelector s, VulnerabilityFinding v)
    {
        if (!AtLeast(v.Severity, s.MinSeverity) || (s.Severities.Count > 0 && !s.Severities.Contains(v.Severity)))
        {
            return false;
        }

        if (s.FixedOnly && v.FixedVersions.Count == 0 && v.Status != "fixed")
        {
            return false;
        }

        if (s.KevOnly && !v.KnownExploited)
        {
            return false;
        }

        if (s.MinCvss is { } min && !(v.Cvss.Select(c => c.BaseScore ?? 0).DefaultIfEmpty(0).Max() >= min))
        {
            return false;
        }

        return s.Packages.Count == 0 || Glob.Any(s.Packages, v.PackageName);
    }

    private static bool AtLeast(Severity value, Severity? min) => min is null || value >= min;

    private static string Describe(RuleSelector selector) => selector switch
    {
        VulnerabilitySelector => "vulnerabilities",
        SecretSelector => "secrets",
        MalwareSelector => "malware",
        ConfigSelector => "configuration checks",
        _ => "trust",
    };

    /// <summary>The names an image exception can match: the reference as given and registry/repository[:tag][@digest].</summary>
    internal static IReadOnlyList<string> ImageNames(ImageMetadata image)
    {
        var names = new List<string> { image.Reference };
        if (image.Repository is { } repo)
        {
            var full = image.Registry is { } reg ? $"{reg}/{repo}" : repo;
            names.Add(full);
            if (image.Tag is { } tag) { names.Add($"{full}:{tag}"); }
            if (image.ManifestDigest is { } digest) { names.Add($"{full}@{digest}"); }
        }

        return names;
    }
}
