using System.IO.Compression;
using System.Text;
using Comb.Testing.Images;

namespace Comb.Bench;

/// <summary>
/// A large generated image for the inventory benchmark: thousands of packages across ecosystems, each layer the
/// way a real build writes it, plus plenty of bytes no analyzer should read (media, data, shared libraries).
/// Names and versions are synthetic; the formats are the real ones.
/// </summary>
internal static class InventoryImage
{
    public sealed record Counts(int Deb, int Apk, int Npm, int Python, int Jars, int Gems, int Crates, int Composer, int DotNet, int Maven, int GoBinaries, long NoiseBytes);

    public static Counts Build(string layout, int scale, int noiseMiB)
    {
        var random = new Random(7);
        var image = new TestImage();
        var deb = 1000 * scale;
        image.Layer(l => Debian(l.By("debian base + apt-get install"), deb));
        var apk = 300 * scale;
        image.Layer(l => Alpine(l.By("apk add (a second OS database, as a busybox-based stage would leave)"), apk));
        var python = 400 * scale;
        image.Layer(l => Python(l.By("pip install -r requirements.txt"), python));
        var npm = 3000 * scale;
        image.Layer(l => Node(l.By("npm ci"), npm));
        var jars = 200 * scale;
        var maven = 60 * scale;
        image.Layer(l => Java(l.By("COPY target/lib + mvn dependency:go-offline"), jars, maven));
        var (gems, crates, composer, dotnet) = (200 * scale, 300 * scale, 200 * scale, 300 * scale);
        image.Layer(l => Others(l.By("COPY ruby, rust, php and .NET apps"), gems, crates, composer, dotnet));
        var goBinaries = GoBinaries(image);
        var noise = Noise(image, random, noiseMiB);
        image.WriteOciLayout(layout);
        return new Counts(deb, apk, npm, python, jars, gems, crates, composer, dotnet, maven, goBinaries, noise);
    }

    private static string Name(string prefix, int i) => $"{prefix}{i:D5}";

    private static void Debian(TestLayer layer, int count)
    {
        var status = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var name = Name("libdeb", i);
            status.Append($"Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: {100 + i}\n")
                .Append("Maintainer: Debian Maintainers <maint@lists.debian.org>\nArchitecture: amd64\nMulti-Arch: same\n")
                .Append($"Source: src{name}\nVersion: 1.{i % 17}.{i % 5}-{1 + i % 3}+deb12u1\n")
                .Append(i > 0 ? $"Depends: {Name("libdeb", i - 1)} (>= 1.0), libc6 (>= 2.34)\n" : "")
                .Append($"Description: synthetic library {i}\n a package of the benchmark image\n\n");
            layer.File($"var/lib/dpkg/info/{name}:amd64.list", $"/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/{name}.so.1\n/usr/share/doc/{name}\n/usr/share/doc/{name}/copyright\n");
            layer.File($"var/lib/dpkg/info/{name}:amd64.md5sums", $"0123456789abcdef0123456789abcdef  usr/lib/x86_64-linux-gnu/{name}.so.1\n");
            layer.File($"usr/share/doc/{name}/copyright", i % 4 == 0
                ? $"This is {name}.\nOn Debian systems the GNU General Public License version 2 is in /usr/share/common-licenses/GPL-2.\n"
                : $"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: {name}\n\nFiles: *\nCopyright: 2020 Someone\nLicense: {(i % 3 == 0 ? "LGPL-2.1+" : "Expat")}\n\nFiles: debian/*\nLicense: GPL-2+\n");
            layer.File($"usr/share/doc/{name}/changelog.Debian.gz", new byte[400 + i % 300]);
            layer.File($"usr/lib/x86_64-linux-gnu/{name}.so.1", new byte[16 * 1024], (UnixFileMode)0b110_100_100);
        }

        layer.File("var/lib/dpkg/status", status.ToString());
        layer.File("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n");
    }

    private static void Alpine(TestLayer layer, int count)
    {
        var db = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            db.Append($"C:Q1{i:D26}=\nP:{Name("apk", i)}\nV:2.{i % 9}.{i % 4}-r{i % 3}\nA:x86_64\nS:1000\nI:4000\nT:synthetic\nU:https://example.org\nL:MIT\no:{Name("apk", i)}\n")
                .Append($"F:usr/lib\nR:{Name("apk", i)}.so\n\n");
        }

        layer.File("lib/apk/db/installed", db.ToString());
    }

    private static void Python(TestLayer layer, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var dir = $"usr/local/lib/python3.12/site-packages/{Name("pkg_", i)}-{1 + i % 7}.{i % 10}.0.dist-info";
            layer.File($"{dir}/METADATA", $"Metadata-Version: 2.1\nName: {Name("pkg-", i)}\nVersion: {1 + i % 7}.{i % 10}.0\nSummary: synthetic\nLicense: MIT\nRequires-Dist: {Name("pkg-", (i + 1) % count)}\n\nLong description.\n");
            layer.File($"{dir}/RECORD", $"{Name("pkg_", i)}/__init__.py,sha256=x,10\n");
            layer.File($"{dir}/top_level.txt", Name("pkg_", i) + "\n");
            layer.File($"usr/local/lib/python3.12/site-packages/{Name("pkg_", i)}/__init__.py", "VALUE = 1\n" + new string('#', 2000));
        }
    }

    private static void Node(TestLayer layer, int count)
    {
        var packages = new StringBuilder("{\"name\":\"shop\",\"version\":\"1.0.0\",\"lockfileVersion\":3,\"requires\":true,\"packages\":{\"\":{\"name\":\"shop\",\"version\":\"1.0.0\",\"dependencies\":{");
        packages.Append(string.Join(',', Enumerable.Range(0, Math.Min(count, 50)).Select(i => $"\"{Name("npm-", i)}\":\"^1.0.0\"")));
        packages.Append("}}");
        for (var i = 0; i < count; i++)
        {
            var name = i % 10 == 0 ? $"@scope{i % 7}/{Name("npm-", i)}" : Name("npm-", i);
            var version = $"1.{i % 13}.{i % 6}";
            packages.Append($",\"node_modules/{name}\":{{\"version\":\"{version}\",\"resolved\":\"https://registry.npmjs.org/{name}/-/x-{version}.tgz\",\"integrity\":\"sha512-x\",\"license\":\"MIT\"{(i % 5 == 4 ? ",\"dev\":true" : "")}}}");
            layer.File($"app/node_modules/{name}/package.json", $"{{\"name\":\"{name}\",\"version\":\"{version}\",\"license\":\"MIT\",\"main\":\"index.js\",\"description\":\"synthetic\"}}");
            layer.File($"app/node_modules/{name}/index.js", "module.exports = function () { return 1; };\n" + new string('/', 1500));
            layer.File($"app/node_modules/{name}/README.md", "# readme\n" + new string('-', 800));
        }

        packages.Append("}}");
        layer.File("app/package-lock.json", packages.ToString());
        layer.File("app/package.json", "{\"name\":\"shop\",\"version\":\"1.0.0\",\"dependencies\":{\"npm-00000\":\"^1.0.0\"}}");
    }

    private static void Java(TestLayer layer, int jars, int maven)
    {
        for (var i = 0; i < jars; i++)
        {
            layer.File($"app/lib/{Name("lib", i)}-3.{i % 8}.jar", Jar("org.bench", Name("lib", i), $"3.{i % 8}"));
        }

        var deps = new StringBuilder();
        for (var i = 0; i < maven; i++)
        {
            var artifact = Name("mvn", i);
            deps.Append($"<dependency><groupId>org.bench.mvn</groupId><artifactId>{artifact}</artifactId><version>${{bench.version}}</version></dependency>");
            var child = i + 1 < maven ? $"<dependencies><dependency><groupId>org.bench.mvn</groupId><artifactId>{Name("mvn", i + 1)}</artifactId><version>2.0</version></dependency></dependencies>" : "";
            layer.File($"root/.m2/repository/org/bench/mvn/{artifact}/2.0/{artifact}-2.0.pom",
                $"<project><modelVersion>4.0.0</modelVersion><groupId>org.bench.mvn</groupId><artifactId>{artifact}</artifactId><version>2.0</version>{child}</project>");
            layer.File($"root/.m2/repository/org/bench/mvn/{artifact}/2.0/{artifact}-2.0.jar", Jar("org.bench.mvn", artifact, "2.0"));
        }

        layer.File("app/pom.xml", $"<project><modelVersion>4.0.0</modelVersion><groupId>org.bench</groupId><artifactId>shop</artifactId><version>1.0</version><properties><bench.version>2.0</bench.version></properties><dependencies>{deps}</dependencies></project>");
    }

    private static byte[] Jar(string group, string artifact, string version)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, "META-INF/MANIFEST.MF", $"Manifest-Version: 1.0\nImplementation-Title: {artifact}\nImplementation-Version: {version}\n");
            Write(zip, $"META-INF/maven/{group}/{artifact}/pom.properties", $"groupId={group}\nartifactId={artifact}\nversion={version}\n");
            for (var c = 0; c < 20; c++)
            {
                Write(zip, $"org/bench/{artifact}/C{c}.class", new string('x', 600));
            }
        }

        return buffer.ToArray();

        static void Write(ZipArchive zip, string name, string text)
        {
            using var stream = zip.CreateEntry(name).Open();
            stream.Write(Encoding.UTF8.GetBytes(text));
        }
    }

    private static void Others(TestLayer layer, int gems, int crates, int composer, int dotnet)
    {
        for (var i = 0; i < gems; i++)
        {
            layer.File($"usr/local/bundle/specifications/{Name("gem", i)}-0.{i % 9}.1.gemspec",
                $"# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"{Name("gem", i)}\"\n  s.version = \"0.{i % 9}.1\"\n  s.licenses = [\"MIT\"]\n  s.summary = \"synthetic\"\nend\n");
        }

        var cargo = new StringBuilder("version = 3\n\n[[package]]\nname = \"bench-app\"\nversion = \"0.1.0\"\ndependencies = [\n");
        cargo.Append(string.Join("", Enumerable.Range(0, crates).Select(i => $" \"{Name("crate", i)}\",\n"))).Append("]\n");
        for (var i = 0; i < crates; i++)
        {
            cargo.Append($"\n[[package]]\nname = \"{Name("crate", i)}\"\nversion = \"0.{i % 11}.{i % 4}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{i:D64}\"\n");
        }

        layer.File("srv/rust/Cargo.lock", cargo.ToString());
        layer.File("srv/rust/Cargo.toml", "[package]\nname = \"bench-app\"\nversion = \"0.1.0\"\n\n[dependencies]\n" + string.Join("", Enumerable.Range(0, crates).Select(i => $"{Name("crate", i)} = \"0.{i % 11}\"\n")));

        var installed = string.Join(',', Enumerable.Range(0, composer).Select(i => $"{{\"name\":\"vendor{i % 20}/{Name("php", i)}\",\"version\":\"v1.{i % 7}.0\",\"type\":\"library\",\"license\":[\"MIT\"]}}"));
        layer.File("srv/php/vendor/composer/installed.json", $"{{\"packages\":[{installed}],\"dev\":false}}");

        var targets = string.Join(',', Enumerable.Range(0, dotnet).Select(i => $"\"{Name("Bench.Lib", i)}/4.{i % 5}.0\":{{\"runtime\":{{\"lib/net8.0/x.dll\":{{}}}}}}"));
        var libraries = string.Join(',', Enumerable.Range(0, dotnet).Select(i => $"\"{Name("Bench.Lib", i)}/4.{i % 5}.0\":{{\"type\":\"package\",\"serviceable\":true,\"sha512\":\"sha512-x\",\"path\":\"x\"}}"));
        layer.File("srv/dotnet/Shop.deps.json", $"{{\"runtimeTarget\":{{\"name\":\".NETCoreApp,Version=v8.0\"}},\"targets\":{{\".NETCoreApp,Version=v8.0\":{{\"Shop/1.0.0\":{{}},{targets}}}}},\"libraries\":{{\"Shop/1.0.0\":{{\"type\":\"project\"}},{libraries}}}}}");
    }

    /// <summary>Real Go programs found on this machine (Go build info is not something to fake); none is fine.</summary>
    private static int GoBinaries(TestImage image)
    {
        var found = new[] { "/usr/bin", "/usr/local/bin" }.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d))
            .Where(f => new FileInfo(f) is { Length: > 1024 * 1024 and < 160L * 1024 * 1024 } && HasGoBuildInfo(f))
            .Order(StringComparer.Ordinal).Take(3).ToList();
        if (found.Count > 0)
        {
            image.Layer(l =>
            {
                l.By("COPY Go tools");
                foreach (var file in found)
                {
                    l.File("usr/local/bin/" + Path.GetFileName(file), File.ReadAllBytes(file), (UnixFileMode)0b111_101_101);
                }
            });
        }

        return found.Count;
    }

    private static bool HasGoBuildInfo(string file)
    {
        byte[] magic = [0xff, .. " Go buildinf:"u8];
        try
        {
            using var stream = File.OpenRead(file);
            var buffer = new byte[Math.Min(stream.Length, 32L * 1024 * 1024)];
            stream.ReadExactly(buffer);
            return buffer.AsSpan().IndexOf(magic) >= 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Bytes no inventory analyzer needs: media, model and data files, shared libraries (not executable).</summary>
    private static long Noise(TestImage image, Random random, int mib)
    {
        long written = 0;
        var layer = new TestLayer().By("COPY assets");
        var file = 0;
        while (written < mib * 1048576L)
        {
            var data = new byte[random.Next(256 * 1024, 8 * 1024 * 1024)];
            random.NextBytes(data);
            var path = (file % 4) switch
            {
                0 => $"srv/media/video{file}.mp4",
                1 => $"srv/media/image{file}.png",
                2 => $"opt/models/weights{file}.bin",
                _ => $"usr/lib/x86_64-linux-gnu/libbig{file}.so.3",
            };
            layer.File(path, data, (UnixFileMode)0b110_100_100);
            written += data.Length;
            file++;
        }

        image.Layer(layer);
        return written;
    }
}
