// SKETCH, documentation only: not built, not tested, not part of CI.
//
// The JetBrains IDEs' own LSP API (com.intellij.platform.lsp.api) starting
// `syntx serve` for Go, Python, JavaScript and TypeScript files, with Tools |
// SyntX actions that send the server's commands. Class names are those of
// 2023.2–2025.2 (newer releases also call the descriptor LspClientDescriptor).
package dev.syntx.jetbrains

import com.intellij.execution.configurations.GeneralCommandLine
import com.intellij.notification.NotificationGroupManager
import com.intellij.notification.NotificationType
import com.intellij.openapi.actionSystem.AnAction
import com.intellij.openapi.actionSystem.AnActionEvent
import com.intellij.openapi.application.ApplicationManager
import com.intellij.openapi.project.Project
import com.intellij.openapi.ui.Messages
import com.intellij.openapi.vfs.VirtualFile
import com.intellij.platform.lsp.api.LspServer
import com.intellij.platform.lsp.api.LspServerManager
import com.intellij.platform.lsp.api.LspServerSupportProvider
import com.intellij.platform.lsp.api.ProjectWideLspServerDescriptor
import org.eclipse.lsp4j.ExecuteCommandParams

/** File extension → LSP language id. */
private val LANGUAGE_IDS = mapOf(
    "go" to "go",
    "py" to "python", "pyi" to "python", "pyw" to "python",
    "js" to "javascript", "mjs" to "javascript", "cjs" to "javascript",
    "jsx" to "javascriptreact",
    "ts" to "typescript", "mts" to "typescript", "cts" to "typescript",
    "tsx" to "typescriptreact",
)

class SyntxLspServerSupportProvider : LspServerSupportProvider {
    override fun fileOpened(
        project: Project,
        file: VirtualFile,
        serverStarter: LspServerSupportProvider.LspServerStarter,
    ) {
        if (file.extension in LANGUAGE_IDS) {
            serverStarter.ensureServerStarted(SyntxLspServerDescriptor(project))
        }
    }
}

class SyntxLspServerDescriptor(project: Project) : ProjectWideLspServerDescriptor(project, "SyntX") {
    override fun isSupportedFile(file: VirtualFile) = file.extension in LANGUAGE_IDS

    override fun getLanguageId(file: VirtualFile): String =
        LANGUAGE_IDS[file.extension] ?: super.getLanguageId(file)

    // A real plugin reads these from a settings page (PersistentStateComponent).
    override fun createCommandLine(): GeneralCommandLine =
        GeneralCommandLine(System.getenv("SYNTX_BIN") ?: "syntx", "serve")
            .withParentEnvironmentType(GeneralCommandLine.ParentEnvironmentType.CONSOLE)
            .withCharset(Charsets.UTF_8)
            // .withEnvironment("SYNTX_HOME", dataDirectory)

    // The same tree as config.toml (DESIGN.md, "Contracts").
    override fun createInitializationOptions(): Any = mapOf(
        "persona" to "developer",
        "policy" to mapOf("threshold" to 0.25),
    )
}

/** Sends one of the server's commands (workspace/executeCommand) and shows the answer. */
abstract class SyntxCommandAction(private val command: String) : AnAction() {
    open fun arguments(e: AnActionEvent): List<Any>? = emptyList()

    open fun describe(result: Any?): String = result?.toString() ?: "done"

    override fun actionPerformed(e: AnActionEvent) {
        val project = e.project ?: return
        val args = arguments(e) ?: return // cancelled
        val server = syntxServer(project)
        if (server == null) {
            notify(project, "No SyntX server is running: open a Go, Python, JavaScript or TypeScript file.", NotificationType.WARNING)
            return
        }
        ApplicationManager.getApplication().executeOnPooledThread {
            try {
                // syntx.retrain reports $/progress; the platform shows server
                // progress in its status bar where it supports it.
                val result = server.sendRequestSync { it.workspaceService.executeCommand(ExecuteCommandParams(command, args)) }
                notify(project, "SyntX: ${describe(result)}", NotificationType.INFORMATION)
            } catch (ex: Exception) {
                notify(project, "SyntX $command: ${ex.message}", NotificationType.ERROR)
            }
        }
    }
}

fun syntxServer(project: Project): LspServer? =
    LspServerManager.getInstance(project)
        .getServersForProvider(SyntxLspServerSupportProvider::class.java)
        .firstOrNull()

fun notify(project: Project, text: String, type: NotificationType) =
    NotificationGroupManager.getInstance().getNotificationGroup("SyntX")
        .createNotification(text, type).notify(project)

class RetrainAction : SyntxCommandAction("syntx.retrain")

class StatusAction : SyntxCommandAction("syntx.status") {
    override fun describe(result: Any?) = "status: $result" // a JSON object: adapter, persona, events...
}

class RollbackAction : SyntxCommandAction("syntx.rollback")

class SwitchPersonaAction : SyntxCommandAction("syntx.setPersona") {
    override fun arguments(e: AnActionEvent): List<Any>? {
        val name = Messages.showEditableChooseDialog(
            "Persona whose feedback you give from now on", "SyntX Persona", null,
            arrayOf("developer", "security-reviewer", "performance-auditor"), "developer", null,
        ) ?: return null
        return listOf(name)
    }
}

// Dismissing needs a suggestion id: the server ends an explicitly invoked
// quick-fix menu with "Dismiss these suggestions", which covers it without a
// client action. A plugin could also offer an intention that sends
// syntx.dismiss [suggestionId, reason] with the id from the action's data.
