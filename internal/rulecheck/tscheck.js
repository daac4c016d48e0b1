// tscheck: the TypeScript and JavaScript checker of `make check-rules-real`
// (package rulecheck). One process serves one npm checker project at a time
// through a TypeScript LanguageService whose host keeps file texts in
// memory: checking a fix swaps one file's text, asks the program for that
// file's diagnostics (the type checker is warm for everything the fix does
// not touch), and swaps it back. Nothing is written to disk.
//
// Protocol: one JSON object per line on stdin, one answer per line on
// stdout, in order.
//
//   {"op":"open","tsconfig":PATH}
//       -> {"files":N}                         loads the project
//   {"op":"check","file":PATH,"text":STRING|null,"edits":[[start,end,len],...]}
//       -> {"diags":[{"file","code","line","msg","source"}], "wide":BOOL}
//
// check with text null reports the unmodified file (the baseline). With a
// text, the fixed file is checked with:
//   - tsc: syntactic and semantic diagnostics of the file, as `tsc --noEmit
//     -p tsconfig.json` reports them (source "tsc"). When the fix changes
//     the file's declaration output (what other files can see of it), every
//     file of the program is checked too ("wide": true), so a fix that
//     breaks a caller elsewhere is caught.
//   - node: for JavaScript, `node --check`'s parse, in the module system the
//     unmodified file parses in (CommonJS first, then ES module) (source
//     "node").
//   - scope: every identifier outside the edited spans must resolve to the
//     same declaration as before the fix, and no reference may come to
//     precede, in the same function, the block-scoped declaration it binds
//     to (source "scope"). This catches `var` → `let` when the binding is
//     used after its block, and shadowing, even where the type checker is
//     silent (a name that is also a global of lib.dom).
// edits are the fix's replacements in the unmodified text (UTF-16 offsets,
// sorted): [start, end, length of the new text].
'use strict';

const path = require('path');
const readline = require('readline');
const vm = require('vm');

const tsPath = process.argv[2];
if (!tsPath) {
  process.stderr.write('usage: node tscheck.js PATH/TO/typescript.js\n');
  process.exit(2);
}
const ts = require(tsPath);

let project = null;

function loadProject(tsconfig) {
  const dir = path.dirname(tsconfig);
  const host = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: d => { throw new Error(flatten(d.messageText)); },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, host);
  if (!parsed) throw new Error('cannot read ' + tsconfig);
  // The program also emits declarations, only to tell whether a fix changed
  // what other files see of a file; diagnostics are read from the program
  // itself (getSemanticDiagnostics), which, unlike the LanguageService's,
  // leaves declaration diagnostics out, as tsc --noEmit does.
  const options = Object.assign({}, parsed.options, {
    noEmit: false, declaration: true, emitDeclarationOnly: true, noEmitOnError: false,
    declarationMap: false, sourceMap: false, outDir: undefined, outFile: undefined,
  });
  const texts = new Map(); // fileName -> text read once from disk
  const override = { file: '', text: '', version: 0 };
  let counter = 0;
  const read = f => {
    if (!texts.has(f)) texts.set(f, ts.sys.readFile(f));
    return texts.get(f);
  };
  const lsHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => parsed.fileNames,
    getProjectReferences: () => parsed.projectReferences,
    getScriptVersion: f => (f === override.file ? 'v' + override.version : '0'),
    getScriptSnapshot: f => {
      const t = f === override.file ? override.text : read(f);
      return t === undefined ? undefined : ts.ScriptSnapshot.fromString(t);
    },
    getCurrentDirectory: () => dir,
    getDefaultLibFileName: o => ts.getDefaultLibFilePath(o),
    fileExists: f => f === override.file || ts.sys.fileExists(f),
    readFile: f => (f === override.file ? override.text : ts.sys.readFile(f)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
    useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
  };
  const ls = ts.createLanguageService(lsHost, ts.createDocumentRegistry());
  const set = (file, text) => {
    override.file = file;
    override.text = text;
    override.version = ++counter;
  };
  const reset = () => {
    override.file = '';
    override.text = '';
    override.version = ++counter;
  };
  return {
    tsconfig, dir, parsed, ls, read, set, reset,
    baseDts: new Map(), baseBindings: new Map(), nodeMode: new Map(),
  };
}

function flatten(m) {
  return ts.flattenDiagnosticMessageText(m, '\n');
}

function diagOut(d, source) {
  let file = '', line = 0;
  if (d.file) {
    file = d.file.fileName;
    if (d.start !== undefined) line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
  }
  return { file, code: d.code, line, msg: flatten(d.messageText), source };
}

function tscDiags(program, sf) {
  const out = [];
  for (const d of program.getSyntacticDiagnostics(sf)) out.push(diagOut(d, 'tsc'));
  for (const d of program.getSemanticDiagnostics(sf)) out.push(diagOut(d, 'tsc'));
  return out;
}

function dtsOf(ls, file) {
  try {
    const o = ls.getEmitOutput(file, true);
    if (o.emitSkipped) return null;
    return o.outputFiles.map(f => f.text).join('\n');
  } catch (e) {
    return null;
  }
}

// --- node --check ---------------------------------------------------------

function nodeParse(text, file, mode) {
  try {
    if (mode === 'esm') {
      new vm.SourceTextModule(text, { identifier: file });
    } else {
      vm.compileFunction(text.startsWith('#!') ? '//' + text.slice(2) : text,
        ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
    }
    return null;
  } catch (e) {
    return (e && e.name ? e.name + ': ' : '') + (e && e.message);
  }
}

function nodeMode(p, file) {
  if (!p.nodeMode.has(file)) {
    const text = p.read(file);
    let mode = 'cjs';
    if (nodeParse(text, file, 'cjs') !== null && nodeParse(text, file, 'esm') === null) mode = 'esm';
    p.nodeMode.set(file, mode);
  }
  return p.nodeMode.get(file);
}

function nodeDiags(p, file, text) {
  const err = nodeParse(text, file, nodeMode(p, file));
  return err === null ? [] : [{ file, code: 0, line: 0, msg: err, source: 'node' }];
}

// --- scope check ------------------------------------------------------------

const valueFlags = ts.SymbolFlags.Variable | ts.SymbolFlags.Function | ts.SymbolFlags.Class |
  ts.SymbolFlags.Enum | ts.SymbolFlags.Alias | ts.SymbolFlags.ValueModule;

// isNameOnly reports identifiers that name a property or member rather
// than refer to a binding.
function isNameOnly(n) {
  const p = n.parent;
  if (!p) return true;
  if ((ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) && (p.name === n || p.right === n)) return true;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) ||
    ts.isPropertySignature(p) || ts.isMethodSignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) ||
    ts.isEnumMember(p) || ts.isJsxAttribute(p) || ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p) ||
    ts.isPropertyAccessChain && ts.isPropertyAccessChain(p)) && p.name === n) return true;
  if (ts.isBindingElement(p) && p.propertyName === n) return true;
  if ((ts.isImportSpecifier(p) || ts.isExportSpecifier(p)) && p.propertyName === n) return true;
  if (ts.isMetaProperty(p)) return true;
  return false;
}

function isFunctionLike(n) {
  return ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration && ts.isClassStaticBlockDeclaration(n);
}

// bindings lists, for each identifier reference of sf, where it binds:
// {pos, name, decl: {file, pos, name} | null, tdz: bool}.
function bindings(program, sf) {
  const checker = program.getTypeChecker();
  const out = [];
  const visit = n => {
    if (ts.isIdentifier(n) && !isNameOnly(n)) {
      let sym;
      try {
        sym = ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n
          ? checker.getShorthandAssignmentValueSymbol(n.parent)
          : checker.getSymbolAtLocation(n);
      } catch (e) {
        sym = undefined;
      }
      if (sym && sym.flags & ts.SymbolFlags.Alias && !(sym.flags & ~ts.SymbolFlags.Alias)) {
        // Keep the alias itself: an import resolves to its specifier.
      }
      if (!sym || sym.flags & valueFlags) {
        const d = sym && (sym.valueDeclaration || (sym.declarations && sym.declarations[0]));
        let decl = null, tdz = false;
        if (d) {
          const dsf = d.getSourceFile();
          const nameNode = ts.getNameOfDeclaration(d) || d;
          decl = { file: dsf.fileName, pos: nameNode.getStart(dsf), name: sym.name };
          tdz = dsf === sf && usedBeforeBlockScopedDecl(n, d, sf);
        } else if (sym) {
          decl = { file: '', pos: -1, name: sym.name };
        }
        out.push({ pos: n.getStart(sf), name: n.text, decl, tdz });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

// usedBeforeBlockScopedDecl: ref binds to a let, const or class declared
// later in the same function (not from inside a nested function, which may
// run after the declaration).
function usedBeforeBlockScopedDecl(ref, decl, sf) {
  const isBlockScoped = (ts.isVariableDeclaration(decl) && decl.parent && ts.isVariableDeclarationList(decl.parent) &&
    (decl.parent.flags & ts.NodeFlags.BlockScoped)) || ts.isClassDeclaration(decl);
  if (!isBlockScoped) return false;
  const start = ref.getStart(sf);
  // The declaration's own name, and a class's references to itself, are
  // not uses before it.
  if (decl.name && start >= decl.name.getStart(sf) && ref.end <= decl.name.end) return false;
  if (ts.isClassDeclaration(decl) && start >= decl.getStart(sf) && ref.end <= decl.end) return false;
  if (start >= decl.end) return false;
  // Inside its own initialiser (`let x = f(x)`) is a use before it too.
  const inInit = decl.initializer && ref.pos >= decl.initializer.pos && ref.end <= decl.initializer.end;
  if (!inInit && start >= decl.getStart(sf)) return false;
  let scope = decl.parent;
  while (scope && !(ts.isBlock(scope) || ts.isSourceFile(scope) || isFunctionLike(scope) ||
    ts.isForStatement(scope) || ts.isForInStatement(scope) || ts.isForOfStatement(scope) ||
    ts.isCaseBlock(scope) || ts.isModuleBlock(scope))) scope = scope.parent;
  for (let p = ref.parent; p && p !== scope; p = p.parent) {
    if (isFunctionLike(p) && p !== decl) return false;
  }
  return true;
}

// mapPos maps a position of the unmodified text through edits: a position
// inside a replaced span maps to that edit ("e<k>"), others shift.
function mapPos(pos, edits) {
  let delta = 0;
  for (let k = 0; k < edits.length; k++) {
    const [s, e, n] = edits[k];
    if (pos < s) break;
    if (pos < e) return 'e' + k;
    delta += n - (e - s);
  }
  return pos + delta;
}

function scopeDiags(p, program, file, edits) {
  const sf = program.getSourceFile(file);
  if (!sf) return [];
  const before = p.baseBindings.get(file);
  const after = bindings(program, sf);
  const afterAt = new Map();
  for (const b of after) afterAt.set(b.pos, b);
  // A declaration in this file is keyed by its position, mapped through
  // the fix; one inside a replaced span by that edit's index.
  const key = (d, pos) => {
    if (!d) return 'unresolved';
    if (d.file !== file) return d.file + ':' + d.pos + ':' + d.name;
    return 'here:' + pos + ':' + d.name;
  };
  const out = [];
  const line = pos => sf.getLineAndCharacterOfPosition(pos).line + 1;
  for (const b of before) {
    const m = mapPos(b.pos, edits);
    if (typeof m !== 'number') continue; // rewritten by the fix
    const a = afterAt.get(m);
    if (!a || a.name !== b.name) continue;
    const was = key(b.decl, b.decl && mapPos(b.decl.pos, edits));
    const now = key(a.decl, a.decl && editIndexAfter(a.decl.pos, edits));
    if (was !== now) {
      out.push({ file, code: 1, line: line(m), msg: `'${b.name}' resolved to ${describe(b.decl)} before the fix and to ${describe(a.decl)} after it`, source: 'scope' });
    } else if (a.tdz && !b.tdz) {
      out.push({ file, code: 2, line: line(m), msg: `'${b.name}' is used before its block-scoped declaration (TDZ) after the fix`, source: 'scope' });
    }
  }
  return out;
}

// shiftEdits returns the edits' spans in the fixed text.
function shiftEdits(edits) {
  let delta = 0;
  return edits.map(([s, e, n]) => {
    const r = [s + delta, s + delta + n, n];
    delta += n - (e - s);
    return r;
  });
}

function editIndexAfter(pos, edits) {
  const shifted = shiftEdits(edits);
  for (let k = 0; k < shifted.length; k++) {
    if (pos >= shifted[k][0] && pos < shifted[k][1]) return 'e' + k;
  }
  return pos;
}

function describe(d) {
  if (!d) return 'nothing (undefined at run time)';
  if (d.pos < 0) return `'${d.name}' (no declaration)`;
  return `the declaration of '${d.name}' in ${path.basename(d.file)}`;
}

// --- requests ---------------------------------------------------------------

function check(req) {
  const p = project;
  if (!p) throw new Error('no project open');
  const file = path.resolve(req.file);
  const isJS = /\.(c|m)?jsx?$/.test(file);
  if (req.text === null || req.text === undefined) {
    p.reset();
    const program = p.ls.getProgram();
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(file + ' is not part of the program of ' + p.tsconfig);
    const diags = tscDiags(program, sf);
    if (isJS) diags.push(...nodeDiags(p, file, p.read(file)));
    if (!p.baseDts.has(file)) p.baseDts.set(file, dtsOf(p.ls, file));
    if (!p.baseBindings.has(file)) p.baseBindings.set(file, bindings(program, sf));
    return { diags, wide: false };
  }
  // The baseline's declarations and bindings are needed to compare.
  if (!p.baseDts.has(file) || !p.baseBindings.has(file)) check({ file, text: null });
  p.set(file, req.text);
  try {
    const program = p.ls.getProgram();
    const sf = program.getSourceFile(file);
    if (req.others) {
      // The files that can see this one: everything, for a script whose
      // declarations are global; the modules that import it, directly or
      // not, otherwise.
      const diags = [];
      for (const other of affected(p, program, file)) diags.push(...tscDiags(program, other));
      return { diags, wide: true };
    }
    const diags = tscDiags(program, sf);
    if (isJS) diags.push(...nodeDiags(p, file, req.text));
    diags.push(...scopeDiags(p, program, file, req.edits || []));
    const dts = dtsOf(p.ls, file);
    const base = p.baseDts.get(file);
    return { diags, wide: false, dtsChanged: dts === null || base === null || dts !== base };
  } finally {
    p.reset();
  }
}

// affected lists the other files of the program whose diagnostics a change
// to file's declarations can change: every other file when file is a
// script (its declarations are global); otherwise, as TypeScript's own
// builder decides, the modules that import it, and the importers of each
// of those whose declarations changed in turn. Global scripts see every
// module's `declare global`, so they are always included.
function affected(p, program, file) {
  const files = program.getSourceFiles().filter(f => !f.isDeclarationFile && p.parsed.fileNames.includes(f.fileName));
  const me = program.getSourceFile(file);
  const isModule = f => ts.isExternalModule(f) || !!f.commonJsModuleIndicator;
  if (!isModule(me)) return files.filter(f => f !== me);
  if (!p.importers) p.importers = importers(p, program, files);
  const byName = new Map(files.map(f => [f.fileName, f]));
  const seen = new Set([file]);
  const out = [];
  const queue = [file];
  while (queue.length) {
    const f = queue.shift();
    for (const imp of p.importers.get(f) || []) {
      if (seen.has(imp) || !byName.has(imp)) continue;
      seen.add(imp);
      out.push(byName.get(imp));
      // Its importers are affected only if what it exports changed.
      if (!p.baseDts.has(imp) || p.baseDts.get(imp) === null || dtsOf(p.ls, imp) !== p.baseDts.get(imp)) queue.push(imp);
    }
  }
  for (const f of files) {
    if (f !== me && !seen.has(f.fileName) && !isModule(f)) out.push(f);
  }
  return out;
}

// importers maps each file to the files that import it (import, export
// from, require, import types, triple-slash references).
function importers(p, program, files) {
  const out = new Map();
  const options = program.getCompilerOptions();
  const cache = ts.createModuleResolutionCache(p.dir, x => x, options);
  const add = (from, to) => {
    if (!to) return;
    if (!out.has(to)) out.set(to, []);
    out.get(to).push(from);
  };
  for (const sf of files) {
    for (const spec of sf.imports || []) {
      const r = ts.resolveModuleName(spec.text, sf.fileName, options, ts.sys, cache);
      add(sf.fileName, r.resolvedModule && path.resolve(r.resolvedModule.resolvedFileName));
    }
    for (const ref of sf.referencedFiles || []) add(sf.fileName, path.resolve(path.dirname(sf.fileName), ref.fileName));
  }
  return out;
}

// baselineAll reports every file of the unmodified program, and keeps each
// file's declaration output for affected().
function baselineAll() {
  const p = project;
  p.reset();
  const program = p.ls.getProgram();
  const out = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || !p.parsed.fileNames.includes(sf.fileName)) continue;
    out.push(...tscDiags(program, sf));
    if (!p.baseDts.has(sf.fileName)) p.baseDts.set(sf.fileName, dtsOf(p.ls, sf.fileName));
  }
  return { diags: out, wide: true };
}

function handle(req) {
  switch (req.op) {
    case 'open':
      project = loadProject(path.resolve(req.tsconfig));
      return { files: project.parsed.fileNames.length };
    case 'check':
      return check(req);
    case 'baseline-all':
      return baselineAll();
    default:
      throw new Error('unknown op ' + req.op);
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', line => {
  let res;
  try {
    const t0 = Date.now();
    res = handle(JSON.parse(line));
    res.ms = Date.now() - t0;
  } catch (e) {
    res = { error: String(e && e.stack || e) };
  }
  process.stdout.write(JSON.stringify(res) + '\n');
});
