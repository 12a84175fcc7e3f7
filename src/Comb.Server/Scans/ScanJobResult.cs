using System.Text.Json;
using Comb.Contracts;
using Comb.Storage;

namespace Comb.Server.Scans;

/// <summary>
/// What a finished scan job keeps in its row: the stored scan's id, the verdict, and the report as the request presents
/// it (gzip JSON, base64), so every format can be written later exactly as the CLI would have written it.
/// </summary>
public sealed record ScanJobResult(string ScanId, string Verdict, int ExitCode, string Presented)
{
    public static ScanJobResult Of(string scanId, ScanVerdict verdict, ScanReport presented) =>
        new(scanId, verdict.Label, verdict.ExitCode, Convert.ToBase64String(ReportSerializer.Compress(presented)));

    public ScanReport PresentedReport() => ReportSerializer.Decompress(Convert.FromBase64String(Presented));

    public string ToJson() => JsonSerializer.Serialize(this, ScanJob.Json);

    public static ScanJobResult? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<ScanJobResult>(json, ScanJob.Json);
}
