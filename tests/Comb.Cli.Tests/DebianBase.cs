using System.Security.Cryptography;
using System.Text;
using Comb.Testing.Images;

namespace Comb.Cli.Tests;

/// <summary>
/// A small Debian 11 root filesystem written by the test, the same bytes on every machine: a dpkg database with
/// packages at versions Debian security advisories fix later (gzip, openssl, apache2), their file lists and md5sums,
/// the packages' scripts and libraries, copyright files, configuration and a tree of text and binary files.
/// </summary>
internal static class DebianBase
{
    private sealed record Package(string Name, string Version, string Source, string[] Files);

    private static readonly Package[] Packages =
    [
        new("base-files", "11.1+deb11u6", "base-files", ["etc/debian_version", "usr/lib/os-release"]),
        new("gzip", "1.10-4", "gzip", ["usr/bin/gunzip", "usr/bin/gzexe", "usr/bin/zdiff", "usr/bin/zgrep"]),
        new("libssl1.1", "1.1.1n-0+deb11u1", "openssl", ["usr/lib/x86_64-linux-gnu/libssl.so.1.1", "usr/lib/x86_64-linux-gnu/libcrypto.so.1.1"]),
        new("openssl", "1.1.1n-0+deb11u1", "openssl", ["usr/bin/c_rehash", "etc/ssl/openssl.cnf"]),
        new("apache2-bin", "2.4.54-1~deb11u1", "apache2", ["usr/sbin/apachectl", "usr/lib/apache2/modules/mod_ssl.so"]),
    ];

    public static string Script(string name) =>
        $"#!/bin/sh\n# {name}: part of the test's Debian base\nset -e\nfor f in \"$@\"; do\n  exec /bin/gzip -cd \"$f\" | {name}-filter\ndone\n";

    public static TestLayer Layer()
    {
        var layer = new TestLayer().By("debootstrap bullseye");
        var status = new StringBuilder();
        foreach (var package in Packages)
        {
            var md5sums = new StringBuilder();
            foreach (var path in package.Files)
            {
                var (content, mode) = FileOf(package, path);
                layer.File(path, content, mode);
                md5sums.Append(Convert.ToHexStringLower(MD5.HashData(content))).Append("  ").Append(path).Append('\n');
            }

            var doc = $"usr/share/doc/{package.Name}/copyright";
            layer.File(doc, $"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: {package.Source}\n\nFiles: *\nLicense: GPL-2+\n");
            layer.File($"var/lib/dpkg/info/{package.Name}.list", string.Join('\n', ["/.", .. package.Files.Select(f => "/" + f), "/" + doc]) + "\n");
            layer.File($"var/lib/dpkg/info/{package.Name}.md5sums", md5sums.ToString());
            status.Append($"Package: {package.Name}\nStatus: install ok installed\nPriority: optional\nSection: utils\nInstalled-Size: 100\n")
                .Append("Maintainer: Debian Maintainers <debian@example.org>\nArchitecture: amd64\n")
                .Append(package.Source == package.Name ? "" : $"Source: {package.Source}\n")
                .Append($"Version: {package.Version}\nDescription: {package.Name} for the test's Debian base\n\n");
        }

        layer.File("var/lib/dpkg/status", status.ToString());

        // The rest of a system tree: configuration (some of it with credential-like words), documentation and
        // libraries, so the secret and malware analyzers see many files of both kinds.
        var random = new Random(11);
        for (var i = 0; i < 120; i++)
        {
            layer.File($"etc/app{i % 12}/conf{i}.conf", $"# settings {i}\nname = service{i}\npassword_file = /run/secrets/p{i}\ntoken_ttl = {i * 60}\nlisten = 127.0.0.{i % 250 + 1}:{8000 + i}\n");
            layer.File($"usr/share/doc/extra{i}/README", string.Concat(Enumerable.Repeat($"Line {i} of the documentation, with an api key example: KEY=<your key here>\n", 40 + i)));
            var library = new byte[4096 + i * 997];
            random.NextBytes(library);
            layer.File($"usr/lib/x86_64-linux-gnu/libextra{i}.so.1", library);
        }

        return layer;
    }

    private static (byte[] Content, UnixFileMode Mode) FileOf(Package package, string path)
    {
        var executable = (UnixFileMode)0b111_101_101;
        var regular = (UnixFileMode)0b110_100_100;
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (path == "usr/lib/os-release")
        {
            return (Encoding.ASCII.GetBytes("PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nVERSION=\"11 (bullseye)\"\nVERSION_CODENAME=bullseye\nID=debian\n"), regular);
        }

        if (path == "etc/debian_version")
        {
            return (Encoding.ASCII.GetBytes("11.6\n"), regular);
        }

        if (path.StartsWith("usr/bin/", StringComparison.Ordinal) || path.StartsWith("usr/sbin/", StringComparison.Ordinal))
        {
            return (Encoding.ASCII.GetBytes(Script(name)), executable);
        }

        if (path.EndsWith(".cnf", StringComparison.Ordinal))
        {
            return (Encoding.ASCII.GetBytes("[ req ]\ndefault_bits = 2048\ndistinguished_name = req_distinguished_name\n"), regular);
        }

        // A library: a fixed ELF header and deterministic bytes after it.
        var bytes = new byte[64 * 1024];
        new Random(name.Length * 31 + package.Name.Length).NextBytes(bytes);
        "\u007fELF"u8.CopyTo(bytes);
        return (bytes, regular);
    }
}
