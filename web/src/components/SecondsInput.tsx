export interface SecondsInputProps {
  id: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
}

/** Seconds to answer a question: a whole number from 1 to 300, as the server takes. */
export function SecondsInput({ id, testId, value, onChange, placeholder }: SecondsInputProps) {
  return (
    <input
      id={id}
      data-testid={testId}
      type="number"
      inputMode="numeric"
      min={1}
      max={300}
      step={1}
      placeholder={placeholder}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
