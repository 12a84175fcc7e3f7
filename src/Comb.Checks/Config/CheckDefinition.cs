using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>One configuration check: a stable id plus the advice every finding of it carries.</summary>
public sealed record CheckDefinition(string Id, string Title, Severity Severity, string Rationale, string Fix)
{
    public ConfigFinding Finding(string message, string location, string? layerDiffId = null, Severity? severity = null) => new()
    {
        CheckId = Id,
        Title = Title,
        Severity = severity ?? Severity,
        Message = message,
        Rationale = Rationale,
        Fix = Fix,
        Location = location,
        LayerDiffId = layerDiffId,
    };
}
