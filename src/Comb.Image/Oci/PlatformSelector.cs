using System.Runtime.InteropServices;
using Comb.Contracts;

namespace Comb.Image.Oci;

/// <summary>Picks the manifest for one platform out of an OCI index or Docker manifest list.</summary>
public static class PlatformSelector
{
    /// <summary>The machine's platform in OCI terms (linux/amd64, linux/arm64/v8, linux/arm/v7, ...).</summary>
    public static ImagePlatform Default()
    {
        var os = OperatingSystem.IsWindows() ? "windows" : "linux";
        return RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => new ImagePlatform(os, "amd64"),
            Architecture.Arm64 => new ImagePlatform(os, "arm64"),
            Architecture.Arm or Architecture.Armv6 => new ImagePlatform(os, "arm", RuntimeInformation.OSArchitecture == Architecture.Armv6 ? "v6" : "v7"),
            Architecture.X86 => new ImagePlatform(os, "386"),
            Architecture.S390x => new ImagePlatform(os, "s390x"),
            Architecture.Ppc64le => new ImagePlatform(os, "ppc64le"),
            Architecture.RiscV64 => new ImagePlatform(os, "riscv64"),
            Architecture.LoongArch64 => new ImagePlatform(os, "loong64"),
            var other => new ImagePlatform(os, other.ToString().ToLowerInvariant()),
        };
    }

    /// <summary>Parses <c>os/arch[/variant]</c> (e.g. <c>linux/arm/v7</c>); common aliases like x86_64 and aarch64 are accepted.</summary>
    public static ImagePlatform Parse(string text)
    {
        var parts = text.Trim().Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
        {
            throw new CombInputException($"Invalid platform '{text}': expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7");
        }

        return new ImagePlatform(parts[0].ToLowerInvariant(), NormalizeArchitecture(parts[1]), parts.Length == 3 ? parts[2].ToLowerInvariant() : null);
    }

    /// <summary>
    /// The best descriptor for <paramref name="wanted"/>: same os and architecture; the same variant when one is
    /// asked for (arm64 without a variant counts as v8); otherwise the default variant, then none, then any.
    /// Attestation manifests (<c>unknown/unknown</c>) are skipped.
    /// </summary>
    public static Descriptor? Select(IReadOnlyList<Descriptor> manifests, ImagePlatform wanted)
    {
        var candidates = manifests
            .Where(m => m.Platform is { } p
                && !string.Equals(p.Os, "unknown", StringComparison.Ordinal)
                && string.Equals(p.Os, wanted.Os, StringComparison.OrdinalIgnoreCase)
                && NormalizeArchitecture(p.Architecture ?? string.Empty) == NormalizeArchitecture(wanted.Architecture)
                && !IsAttestation(m))
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var arch = NormalizeArchitecture(wanted.Architecture);
        if (wanted.Variant is { } variant)
        {
            return candidates.FirstOrDefault(m => NormalizeVariant(arch, m.Platform!.Variant) == NormalizeVariant(arch, variant));
        }

        var preferred = NormalizeVariant(arch, DefaultVariant(arch));
        return candidates.FirstOrDefault(m => NormalizeVariant(arch, m.Platform!.Variant) == preferred)
            ?? candidates.FirstOrDefault(m => string.IsNullOrEmpty(m.Platform!.Variant))
            ?? candidates.OrderByDescending(m => m.Platform!.Variant, StringComparer.Ordinal).First();
    }

    /// <summary>"linux/amd64, linux/arm64/v8" for error messages.</summary>
    public static string Describe(IEnumerable<Descriptor> manifests) => string.Join(", ", manifests
        .Where(m => m.Platform is not null && !IsAttestation(m))
        .Select(m => new ImagePlatform(m.Platform!.Os ?? "?", m.Platform.Architecture ?? "?", string.IsNullOrEmpty(m.Platform.Variant) ? null : m.Platform.Variant).ToString())
        .Distinct(StringComparer.Ordinal));

    private static bool IsAttestation(Descriptor descriptor) =>
        descriptor.Annotations?.TryGetValue("vnd.docker.reference.type", out var type) == true
        && string.Equals(type, "attestation-manifest", StringComparison.Ordinal);

    private static string NormalizeArchitecture(string architecture) => architecture.ToLowerInvariant() switch
    {
        "x86_64" or "x86-64" => "amd64",
        "aarch64" => "arm64",
        "armhf" or "armel" => "arm",
        "i386" or "i686" => "386",
        var other => other,
    };

    private static string? DefaultVariant(string architecture) => architecture switch
    {
        "arm" => RuntimeInformation.OSArchitecture == Architecture.Armv6 ? "v6" : "v7",
        "arm64" => "v8",
        _ => null,
    };

    private static string? NormalizeVariant(string architecture, string? variant)
    {
        var v = string.IsNullOrEmpty(variant) ? null : variant.ToLowerInvariant();
        return architecture switch
        {
            "arm64" => v is null or "v8" or "8" ? "v8" : v,
            "amd64" => v is null or "v1" ? null : v,
            _ => v,
        };
    }
}
