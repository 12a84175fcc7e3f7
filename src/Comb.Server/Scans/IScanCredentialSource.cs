using Comb.Contracts;

namespace Comb.Server.Scans;

/// <summary>Adds a stored registry's sign-in to a scan's options (the registry feature provides it).</summary>
public interface IScanCredentialSource
{
    /// <summary>Throws <see cref="CombInputException"/> for an unknown registry or an image on another host.</summary>
    Task<ScanOptions> ApplyAsync(string registry, string image, ScanOptions options, CancellationToken cancellationToken);
}
