// Run by the build (maven-invoker-plugin) after this sample's own build: checks the artifacts the
// sample was built from, as installed. Not part of the sample: a user's project has no such file.
import java.lang.module.ModuleFinder
import java.util.jar.JarFile
import javax.xml.parsers.DocumentBuilderFactory

def xml = { File file -> DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file).documentElement }
def children = { element, String name -> element.childNodes.findAll { it.nodeName == name } }
def text = { element, String name -> children(element, name).collect { it.textContent.trim() }.join() }

def version = text(children(xml(new File(basedir, 'pom.xml')), 'properties')[0], 'outbox-relay.version')
def repo = new File(localRepositoryPath, 'dev/outboxrelay')
def errors = []

// Each published jar names its module: the manifest entry, and the name the JDK derives from it.
[
    'outbox-core'               : 'dev.outboxrelay.core',
    'outbox-api'                : 'dev.outboxrelay.api',
    'outbox-relay'              : 'dev.outboxrelay.relay',
    'outbox-spring-boot-starter': 'dev.outboxrelay.spring.boot.starter',
].each { artifactId, moduleName ->
    def jar = new File(repo, "$artifactId/$version/$artifactId-${version}.jar")
    if (!jar.isFile()) {
        errors << "$jar is missing"
        return
    }
    def entry = new JarFile(jar).withCloseable { it.manifest?.mainAttributes?.getValue('Automatic-Module-Name') }
    def derived = ModuleFinder.of(jar.toPath()).findAll()*.descriptor()*.name()
    if (entry != moduleName || derived != [moduleName]) {
        errors << "$jar: Automatic-Module-Name '$entry', module name $derived; expected $moduleName"
    }
}

// The BOM a user imports manages our modules only: no parent, no Spring Boot or ShedLock versions.
def bomFile = new File(repo, "outbox-bom/$version/outbox-bom-${version}.pom")
def bom = xml(bomFile)
def managed = children(bom, 'dependencyManagement').collectMany { children(it, 'dependencies') }
        .collectMany { children(it, 'dependency') }
        .collect { "${text(it, 'groupId')}:${text(it, 'artifactId')}" as String }
def expected = ['outbox-core', 'outbox-api', 'outbox-spring-boot-starter', 'outbox-relay'].collect { "dev.outboxrelay:$it" as String }
if (!children(bom, 'parent').isEmpty() || managed.toSet() != expected.toSet() || managed.size() != expected.size()) {
    errors << "$bomFile: parent ${children(bom, 'parent').size()}, manages $managed; expected no parent and $expected"
}

errors.each { println "[verify] $it" }
println "[verify] ${errors.isEmpty() ? 'ok' : 'FAILED'}: module names of 4 jars, outbox-bom manages $managed"
return errors.isEmpty()
