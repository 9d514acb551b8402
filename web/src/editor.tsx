import { useEffect, useRef } from 'preact/hooks';
import { EditorView, keymap, lineNumbers, highlightActiveLine, placeholder } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { autocompletion, completionKeymap, closeBrackets } from '@codemirror/autocomplete';
import { lintGutter } from '@codemirror/lint';
import { kqlLanguage, kqlHighlight, completer } from './kql';
export { showError } from './kql';
import type { TableSchema } from './api';

// KqlEditor is a CodeMirror 6 editor for KQL. Ctrl/Cmd+Enter or
// Shift+Enter runs; Escape leaves the editor (Tab is for indenting only
// through the completion list, so keyboard users are not trapped).
export function KqlEditor(props: {
  value: string;
  onChange: (v: string) => void;
  onRun: () => void;
  schema: () => TableSchema[];
  viewRef?: { current: EditorView | null };
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef(props);
  latest.current = props;
  useEffect(() => {
    const run = () => {
      latest.current.onRun();
      return true;
    };
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          history(),
          highlightActiveLine(),
          closeBrackets(),
          kqlLanguage,
          kqlHighlight,
          lintGutter(),
          placeholder('SecurityEvent | where EventID == 4625 | summarize count() by Account'),
          autocompletion({ override: [completer(() => latest.current.schema())] }),
          keymap.of([
            { key: 'Mod-Enter', run },
            { key: 'Shift-Enter', run },
            ...completionKeymap,
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ 'aria-label': props.label }),
        ],
      }),
    });
    if (props.viewRef) props.viewRef.current = view;
    return () => view.destroy();
  }, []);
  return <div class="editor" ref={host} />;
}
