using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>
/// The catalogue of image and Dockerfile checks. Ids follow Dockle's codes (CIS-DI-*, DKL-DI-*) where one exists,
/// so people who know those tools recognise them; checks Dockle lacks use COMB-DI-* (image) and COMB-DF-* (Dockerfile only).
/// </summary>
public static class CheckCatalog
{
    public static readonly CheckDefinition RootUser = new("CIS-DI-0001", "Container runs as root", Severity.High,
        "A process running as root inside the container is root on the host's kernel; a container escape or a mounted volume turns it into host compromise.",
        "Create an unprivileged user in the image (useradd/adduser) and switch to it with a final USER instruction using a non-zero UID.");

    public static readonly CheckDefinition NoHealthcheck = new("CIS-DI-0006", "No HEALTHCHECK defined", Severity.Low,
        "Without a health check the orchestrator only knows whether the process exists, not whether it still serves; hung containers keep receiving traffic.",
        "Add a HEALTHCHECK instruction that probes the service (for example HEALTHCHECK CMD curl -fsS http://localhost:8080/health || exit 1).");

    public static readonly CheckDefinition UpdateAlone = new("CIS-DI-0007", "Package index updated in a step without install", Severity.Low,
        "A RUN that only refreshes the package index is cached on its own; later installs then use a stale index and miss security updates.",
        "Run the index update and the install in the same RUN: apt-get update && apt-get install -y ...");

    public static readonly CheckDefinition SetuidFiles = new("CIS-DI-0008", "Setuid or setgid file added by the image", Severity.Medium,
        "Setuid/setgid binaries run with their owner's privileges; every one the image adds is a path to privilege escalation for an attacker inside the container.",
        "Remove the bit where the program does not need it (chmod u-s,g-s FILE in the same RUN that installs it) or drop the file.");

    public static readonly CheckDefinition AddRemote = new("CIS-DI-0009", "ADD fetches a remote URL", Severity.Medium,
        "ADD with a URL downloads at build time without any checksum check, so a compromised or changed server silently changes the image.",
        "Download with curl/wget in a RUN step and verify a pinned checksum (sha256sum -c), or use ADD --checksum=sha256:..., or COPY a vetted local file.");

    public static readonly CheckDefinition SecretEnv = new("CIS-DI-0010", "Secret-looking value in ENV or ARG", Severity.High,
        "ENV and build ARG values are stored in the image config and history; anyone who can pull the image can read them.",
        "Pass secrets at run time (mounted files, orchestrator secrets) or at build time with RUN --mount=type=secret; never bake them into ENV or ARG.");

    public static readonly CheckDefinition UnverifiedInstall = new("CIS-DI-0011", "Software installed without verification", Severity.High,
        "Piping a download straight into a shell, or disabling package signature checks, runs whatever the server (or anyone in the middle) sends.",
        "Download to a file, verify its checksum or signature, then run it; keep package-manager signature checks on.");

    public static readonly CheckDefinition Sudo = new("DKL-DI-0001", "sudo used in a build step", Severity.Medium,
        "sudo in an image means a privilege boundary the image is expected to keep; build steps already choose their user with USER, and sudo left installed lets a compromised process regain root.",
        "Switch users with USER around the steps that need root instead of calling sudo, and do not install sudo in the image.");

    public static readonly CheckDefinition Upgrade = new("DKL-DI-0003", "Full distribution upgrade in a build step", Severity.Low,
        "apt-get upgrade/dist-upgrade (or apk/yum upgrade) makes the build non-reproducible and may pull packages the base image deliberately holds back.",
        "Rebuild on a newer base image instead, and upgrade only the specific packages you need (apt-get install --only-upgrade PKG).");

    public static readonly CheckDefinition ApkNoCache = new("DKL-DI-0004", "apk add without --no-cache", Severity.Low,
        "Without --no-cache the apk index stays in the layer, making the image larger and its contents stale.",
        "Use apk add --no-cache PACKAGES.");

    public static readonly CheckDefinition PackageCache = new("DKL-DI-0005", "Package-manager cache left in a layer", Severity.Low,
        "Downloaded packages and indexes stay in the layer that wrote them even when a later layer deletes them: the image is bigger and ships stale metadata.",
        "Clean up in the same RUN that installs: apt-get clean && rm -rf /var/lib/apt/lists/*, apk add --no-cache, pip install --no-cache-dir, dnf clean all.");

    public static readonly CheckDefinition LatestTag = new("DKL-DI-0006", "Image reference not pinned", Severity.Medium,
        "The tag latest (or no tag at all) points at whatever was pushed last, so two builds or deployments of the same reference can run different software.",
        "Refer to the image by an explicit version tag and, better, by digest (name:tag@sha256:...).");

    public static readonly CheckDefinition SshPort = new("COMB-DI-0001", "SSH port 22 exposed", Severity.Medium,
        "Running an SSH server in a container adds a remotely reachable login service with its own keys and patches; containers are entered with exec instead.",
        "Remove EXPOSE 22 and the SSH server; use the runtime's exec (docker exec, kubectl exec) for debugging.");

    public static readonly CheckDefinition WorldWritable = new("COMB-DI-0002", "World-writable file in a system path", Severity.Medium,
        "Any user in the container can change a world-writable file under /bin, /usr, /etc or /lib, for example to replace a program root later runs.",
        "Fix the mode in the same RUN that creates the file (chmod o-w FILE); use a sticky directory outside system paths for shared scratch space.");

    public static readonly CheckDefinition ImageAge = new("COMB-DI-0003", "Image is old", Severity.Medium,
        "An image that has not been rebuilt for a long time carries every security fix published since as an open vulnerability.",
        "Rebuild the image regularly (at least monthly) on a current base image.");

    public static readonly CheckDefinition EndOfLife = new("COMB-DI-0004", "Operating system release is end of life", Severity.High,
        "Once a release leaves security support its vendor publishes no more fixes; new vulnerabilities stay open forever and scanners may not even list them.",
        "Move the image to a supported release of the distribution (see the vendor's life-cycle page).");

    public static readonly CheckDefinition AptRecommends = new("COMB-DF-0001", "apt-get install without --no-install-recommends", Severity.Low,
        "Recommended packages are pulled in by default, adding software (and vulnerabilities) the image does not need.",
        "Add --no-install-recommends to apt-get install and list what you need explicitly.");

    public static readonly CheckDefinition CdInRun = new("COMB-DF-0002", "cd used in RUN instead of WORKDIR", Severity.Low,
        "A cd inside RUN lasts only for that step, which makes the Dockerfile harder to follow and easy to get wrong when steps are reordered.",
        "Use WORKDIR to set the directory for the following instructions.");

    public static IReadOnlyList<CheckDefinition> All { get; } =
    [
        RootUser, NoHealthcheck, UpdateAlone, SetuidFiles, AddRemote, SecretEnv, UnverifiedInstall, Sudo, Upgrade, ApkNoCache,
        PackageCache, LatestTag, SshPort, WorldWritable, ImageAge, EndOfLife, AptRecommends, CdInRun,
    ];
}
