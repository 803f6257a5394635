/** A name's number at its end: the " 2" the server gives a second "Ana". */
const NUMBERED = /^(.*\S)(\s+\d+)$/u;

/**
 * A player's name for a space that may cut it: when it ends in a number
 * (the server's "Ana 2" for a second Ana), the cut falls in the name and
 * the number stays in sight, so two long same-named players stay apart
 * ("Mohammed Abdulrah… 2"). Styled by `.name-base` and `.name-number`
 * inside a flex container that clips.
 *
 * The name is isolated in its own direction (`dir="auto"`): an Arabic or
 * Hebrew name does not pull the number after it, or a score beside it,
 * into its right-to-left run.
 */
export function DisplayName({ name }: { name: string }) {
  const match = NUMBERED.exec(name);
  if (!match) {
    return (
      <span className="name-base" dir="auto">
        {name}
      </span>
    );
  }
  return (
    <>
      <span className="name-base" dir="auto">
        {match[1]}
      </span>
      <span className="name-number">{match[2]}</span>
    </>
  );
}
